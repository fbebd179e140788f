
/* ---- instruction sets ------------------------------------------------------ */

/* The matrix-product kernels are chosen at run time, once per context, from
   what the CPU reports (cpuid + xgetbv on x86-64, hwcaps on AArch64 Linux).
   Binaries built with the default portable flags carry every variant, each
   compiled with per-function target attributes (GCC and Clang; other
   compilers get the portable scalar code). An llml_isa value caps the choice
   (contexts take one in their desc; 0 = no cap). Levels are ordered within
   their family: SCALAR < AVX2 < AVX512 on x86-64, SCALAR < NEON <
   NEON_DOTPROD < NEON_I8MM on AArch64. A cap names the highest level
   allowed; a level of the other family caps at SCALAR. */
typedef enum llml_isa {
    LLML_ISA_DEFAULT = 0,      /* no cap: the best the CPU and the build allow */
    LLML_ISA_SCALAR = 1,       /* portable C only                              */
    LLML_ISA_AVX2 = 2,         /* x86-64 AVX2 + FMA + F16C                     */
    LLML_ISA_AVX512 = 3,       /* + AVX-512 F/BW/VL/DQ and VNNI (BF16 dot
                                  products used when the CPU has AVX512_BF16) */
    LLML_ISA_NEON = 4,         /* AArch64 Advanced SIMD                        */
    LLML_ISA_NEON_DOTPROD = 5, /* + SDOT/UDOT (Armv8.2 dotprod)                */
    LLML_ISA_NEON_I8MM = 6,    /* + SMMLA (Armv8.6 i8mm) for the prompt GEMM   */
    LLML_ISA_FORCE_U32 = 0x7fffffff
} llml_isa;

/* A short name: "default", "scalar", "avx2", "avx512", "neon",
   "neon-dotprod", "neon-i8mm"; "unknown" for any other value. Never NULL. */
LLML_API const char *llml_isa_name(llml_isa isa);

/* The best level this CPU and this build support (LLML_ISA_SCALAR at
   least). Thread safety: any thread; no shared state (queries the CPU on
   every call). */
LLML_API llml_isa llml_isa_best(void);

/* 1 if `isa` can run here (SCALAR and DEFAULT always can), else 0. */
LLML_API int llml_isa_supported(llml_isa isa);
