/* ------------------------------------------------------------------------ */
/* >>quant_iq3  IQ3_XXS and IQ3_S: 3-bit codes on a lattice grid of quads    */
/* ------------------------------------------------------------------------ */
/* Both formats cut a block of 256 weights into 8 groups of 32, and each
   group into 8 quads of 4 weights. A quad stores the index of a grid entry
   (four unsigned magnitudes, one byte each) plus 4 sign bits; a group stores
   a 4-bit scale s; the block stores an fp16 super-scale d.

   iq3_xxs, 98 bytes:  d fp16 @0 | grid indices [64] @2 (grid of 256)
                       | 8 little-endian u32 @66, one per group: bits 7q..7q+6
                       are the signs of weights 8q..8q+6 of the group; the
                       sign of weight 8q+7 is their parity (the count of
                       negative weights in each 8 is even); bits 28..31: s.
                       weight = d * (0.5 + s) * 0.5 * magnitude * sign.
   iq3_s,   110 bytes: d fp16 @0 | index low bytes [64] @2 (grid of 512)
                       | qh [8] @66: bit k of qh[g] is bit 8 of the index of
                       quad k of group g | signs [32] @74: one bit per weight,
                       4 bytes per group | scales [4] @106: group 2i in the
                       low nibble of byte i, group 2i+1 in the high nibble.
                       weight = d * (1 + 2s) * magnitude * sign.

   Grid entries: byte j of entry e is the magnitude of weight j of the quad.
   In iq3_xxs each byte is one of 4,12,20,28,36,44,52,62; in iq3_s one of
   1,3,...,15. Either way it encodes a level 0..7, and the quantizer works on
   levels (value 2*level+1 in units of the group scale). */

static const uint32_t llml__iq3_xxs_grid[256] = {
    0x04040404, 0x04040414, 0x04040424, 0x04040c0c, 0x04040c1c, 0x04040c3e, 0x04041404, 0x04041414,
    0x04041c0c, 0x04042414, 0x04043e1c, 0x04043e2c, 0x040c040c, 0x040c041c, 0x040c0c04, 0x040c0c14,
    0x040c140c, 0x040c142c, 0x040c1c04, 0x040c1c14, 0x040c240c, 0x040c2c24, 0x040c3e04, 0x04140404,
    0x04140414, 0x04140424, 0x04140c0c, 0x04141404, 0x04141414, 0x04141c0c, 0x04141c1c, 0x04141c3e,
    0x04142c0c, 0x04142c3e, 0x04143e2c, 0x041c040c, 0x041c043e, 0x041c0c04, 0x041c0c14, 0x041c142c,
    0x041c3e04, 0x04240c1c, 0x04241c3e, 0x04242424, 0x04242c3e, 0x04243e1c, 0x04243e2c, 0x042c040c,
    0x042c043e, 0x042c1c14, 0x042c2c14, 0x04341c2c, 0x04343424, 0x043e0c04, 0x043e0c24, 0x043e0c34,
    0x043e241c, 0x043e340c, 0x0c04040c, 0x0c04041c, 0x0c040c04, 0x0c040c14, 0x0c04140c, 0x0c04141c,
    0x0c041c04, 0x0c041c14, 0x0c041c24, 0x0c04243e, 0x0c042c04, 0x0c0c0404, 0x0c0c0414, 0x0c0c0c0c,
    0x0c0c1404, 0x0c0c1414, 0x0c14040c, 0x0c14041c, 0x0c140c04, 0x0c140c14, 0x0c14140c, 0x0c141c04,
    0x0c143e14, 0x0c1c0404, 0x0c1c0414, 0x0c1c1404, 0x0c1c1c0c, 0x0c1c2434, 0x0c1c3434, 0x0c24040c,
    0x0c24042c, 0x0c242c04, 0x0c2c1404, 0x0c2c1424, 0x0c2c2434, 0x0c2c3e0c, 0x0c34042c, 0x0c3e1414,
    0x0c3e2404, 0x14040404, 0x14040414, 0x14040c0c, 0x14040c1c, 0x14041404, 0x14041414, 0x14041434,
    0x14041c0c, 0x14042414, 0x140c040c, 0x140c041c, 0x140c042c, 0x140c0c04, 0x140c0c14, 0x140c140c,
    0x140c1c04, 0x140c341c, 0x140c343e, 0x140c3e04, 0x14140404, 0x14140414, 0x14140c0c, 0x14140c3e,
    0x14141404, 0x14141414, 0x14141c3e, 0x14142404, 0x14142c2c, 0x141c040c, 0x141c0c04, 0x141c0c24,
    0x141c3e04, 0x141c3e24, 0x14241c2c, 0x14242c1c, 0x142c041c, 0x142c143e, 0x142c240c, 0x142c3e24,
    0x143e040c, 0x143e041c, 0x143e0c34, 0x143e242c, 0x1c04040c, 0x1c040c04, 0x1c040c14, 0x1c04140c,
    0x1c04141c, 0x1c042c04, 0x1c04342c, 0x1c043e14, 0x1c0c0404, 0x1c0c0414, 0x1c0c1404, 0x1c0c1c0c,
    0x1c0c2424, 0x1c0c2434, 0x1c14040c, 0x1c14041c, 0x1c140c04, 0x1c14142c, 0x1c142c14, 0x1c143e14,
    0x1c1c0c0c, 0x1c1c1c1c, 0x1c241c04, 0x1c24243e, 0x1c243e14, 0x1c2c0404, 0x1c2c0434, 0x1c2c1414,
    0x1c2c2c2c, 0x1c340c24, 0x1c341c34, 0x1c34341c, 0x1c3e1c1c, 0x1c3e3404, 0x24040424, 0x24040c3e,
    0x24041c2c, 0x24041c3e, 0x24042c1c, 0x24042c3e, 0x240c3e24, 0x24141404, 0x24141c3e, 0x24142404,
    0x24143404, 0x24143434, 0x241c043e, 0x241c242c, 0x24240424, 0x24242c0c, 0x24243424, 0x242c142c,
    0x242c241c, 0x242c3e04, 0x243e042c, 0x243e0c04, 0x243e0c14, 0x243e1c04, 0x2c040c14, 0x2c04240c,
    0x2c043e04, 0x2c0c0404, 0x2c0c0434, 0x2c0c1434, 0x2c0c2c2c, 0x2c140c24, 0x2c141c14, 0x2c143e14,
    0x2c1c0414, 0x2c1c2c1c, 0x2c240c04, 0x2c24141c, 0x2c24143e, 0x2c243e14, 0x2c2c0414, 0x2c2c1c0c,
    0x2c342c04, 0x2c3e1424, 0x2c3e2414, 0x34041424, 0x34042424, 0x34042434, 0x34043424, 0x340c140c,
    0x340c340c, 0x34140c3e, 0x34143424, 0x341c1c04, 0x341c1c34, 0x34242424, 0x342c042c, 0x342c2c14,
    0x34341c1c, 0x343e041c, 0x343e140c, 0x3e04041c, 0x3e04042c, 0x3e04043e, 0x3e040c04, 0x3e041c14,
    0x3e042c14, 0x3e0c1434, 0x3e0c2404, 0x3e140c14, 0x3e14242c, 0x3e142c14, 0x3e1c0404, 0x3e1c0c2c,
    0x3e1c1c1c, 0x3e1c3404, 0x3e24140c, 0x3e24240c, 0x3e2c0404, 0x3e2c0414, 0x3e2c1424, 0x3e341c04,
};

static const uint32_t llml__iq3_s_grid[512] = {
    0x01010101, 0x01010103, 0x01010105, 0x0101010b, 0x0101010f, 0x01010301, 0x01010303, 0x01010305,
    0x01010309, 0x0101030d, 0x01010501, 0x01010503, 0x0101050b, 0x01010707, 0x01010901, 0x01010905,
    0x0101090b, 0x0101090f, 0x01010b03, 0x01010b07, 0x01010d01, 0x01010d05, 0x01010f03, 0x01010f09,
    0x01010f0f, 0x01030101, 0x01030103, 0x01030105, 0x01030109, 0x01030301, 0x01030303, 0x0103030b,
    0x01030501, 0x01030507, 0x0103050f, 0x01030703, 0x0103070b, 0x01030909, 0x01030d03, 0x01030d0b,
    0x01030f05, 0x01050101, 0x01050103, 0x0105010b, 0x0105010f, 0x01050301, 0x01050307, 0x0105030d,
    0x01050503, 0x0105050b, 0x01050701, 0x01050709, 0x01050905, 0x0105090b, 0x0105090f, 0x01050b03,
    0x01050b07, 0x01050f01, 0x01050f07, 0x01070107, 0x01070303, 0x0107030b, 0x01070501, 0x01070505,
    0x01070703, 0x01070707, 0x0107070d, 0x01070909, 0x01070b01, 0x01070b05, 0x01070d0f, 0x01070f03,
    0x01070f0b, 0x01090101, 0x01090307, 0x0109030f, 0x01090503, 0x01090509, 0x01090705, 0x01090901,
    0x01090907, 0x01090b03, 0x01090f01, 0x010b0105, 0x010b0109, 0x010b0501, 0x010b0505, 0x010b050d,
    0x010b0707, 0x010b0903, 0x010b090b, 0x010b090f, 0x010b0d0d, 0x010b0f07, 0x010d010d, 0x010d0303,
    0x010d0307, 0x010d0703, 0x010d0b05, 0x010d0f03, 0x010f0101, 0x010f0105, 0x010f0109, 0x010f0501,
    0x010f0505, 0x010f050d, 0x010f0707, 0x010f0b01, 0x010f0b09, 0x03010101, 0x03010103, 0x03010105,
    0x03010109, 0x03010301, 0x03010303, 0x03010307, 0x0301030b, 0x0301030f, 0x03010501, 0x03010505,
    0x03010703, 0x03010709, 0x0301070d, 0x03010b09, 0x03010b0d, 0x03010d03, 0x03010f05, 0x03030101,
    0x03030103, 0x03030107, 0x0303010d, 0x03030301, 0x03030309, 0x03030503, 0x03030701, 0x03030707,
    0x03030903, 0x03030b01, 0x03030b05, 0x03030f01, 0x03030f0d, 0x03050101, 0x03050305, 0x0305030b,
    0x0305030f, 0x03050501, 0x03050509, 0x03050705, 0x03050901, 0x03050907, 0x03050b0b, 0x03050d01,
    0x03050f05, 0x03070103, 0x03070109, 0x0307010f, 0x03070301, 0x03070307, 0x03070503, 0x0307050f,
    0x03070701, 0x03070709, 0x03070903, 0x03070d05, 0x03070f01, 0x03090107, 0x0309010b, 0x03090305,
    0x03090309, 0x03090703, 0x03090707, 0x03090905, 0x0309090d, 0x03090b01, 0x03090b09, 0x030b0103,
    0x030b0301, 0x030b0307, 0x030b0503, 0x030b0701, 0x030b0705, 0x030b0b03, 0x030d0501, 0x030d0509,
    0x030d050f, 0x030d0909, 0x030d090d, 0x030f0103, 0x030f0107, 0x030f0301, 0x030f0305, 0x030f0503,
    0x030f070b, 0x030f0903, 0x030f0d05, 0x030f0f01, 0x05010101, 0x05010103, 0x05010107, 0x0501010b,
    0x0501010f, 0x05010301, 0x05010305, 0x05010309, 0x0501030d, 0x05010503, 0x05010507, 0x0501050f,
    0x05010701, 0x05010705, 0x05010903, 0x05010907, 0x0501090b, 0x05010b01, 0x05010b05, 0x05010d0f,
    0x05010f01, 0x05010f07, 0x05010f0b, 0x05030101, 0x05030105, 0x05030301, 0x05030307, 0x0503030f,
    0x05030505, 0x0503050b, 0x05030703, 0x05030709, 0x05030905, 0x05030b03, 0x05050103, 0x05050109,
    0x0505010f, 0x05050503, 0x05050507, 0x05050701, 0x0505070f, 0x05050903, 0x05050b07, 0x05050b0f,
    0x05050f03, 0x05050f09, 0x05070101, 0x05070105, 0x0507010b, 0x05070303, 0x05070505, 0x05070509,
    0x05070703, 0x05070707, 0x05070905, 0x05070b01, 0x05070d0d, 0x05090103, 0x0509010f, 0x05090501,
    0x05090507, 0x05090705, 0x0509070b, 0x05090903, 0x05090f05, 0x05090f0b, 0x050b0109, 0x050b0303,
    0x050b0505, 0x050b070f, 0x050b0901, 0x050b0b07, 0x050b0f01, 0x050d0101, 0x050d0105, 0x050d010f,
    0x050d0503, 0x050d0b0b, 0x050d0d03, 0x050f010b, 0x050f0303, 0x050f050d, 0x050f0701, 0x050f0907,
    0x050f0b01, 0x07010105, 0x07010303, 0x07010307, 0x0701030b, 0x0701030f, 0x07010505, 0x07010703,
    0x07010707, 0x0701070b, 0x07010905, 0x07010909, 0x0701090f, 0x07010b03, 0x07010d07, 0x07010f03,
    0x07030103, 0x07030107, 0x0703010b, 0x07030309, 0x07030503, 0x07030507, 0x07030901, 0x07030d01,
    0x07030f05, 0x07030f0d, 0x07050101, 0x07050305, 0x07050501, 0x07050705, 0x07050709, 0x07050b01,
    0x07070103, 0x07070301, 0x07070309, 0x07070503, 0x07070507, 0x0707050f, 0x07070701, 0x07070903,
    0x07070907, 0x0707090f, 0x07070b0b, 0x07070f07, 0x07090107, 0x07090303, 0x0709030d, 0x07090505,
    0x07090703, 0x07090b05, 0x07090d01, 0x07090d09, 0x070b0103, 0x070b0301, 0x070b0305, 0x070b050b,
    0x070b0705, 0x070b0909, 0x070b0b0d, 0x070b0f07, 0x070d030d, 0x070d0903, 0x070f0103, 0x070f0107,
    0x070f0501, 0x070f0505, 0x070f070b, 0x09010101, 0x09010109, 0x09010305, 0x09010501, 0x09010509,
    0x0901050f, 0x09010705, 0x09010903, 0x09010b01, 0x09010f01, 0x09030105, 0x0903010f, 0x09030303,
    0x09030307, 0x09030505, 0x09030701, 0x0903070b, 0x09030907, 0x09030b03, 0x09030b0b, 0x09050103,
    0x09050107, 0x09050301, 0x0905030b, 0x09050503, 0x09050707, 0x09050901, 0x09050b0f, 0x09050d05,
    0x09050f01, 0x09070109, 0x09070303, 0x09070307, 0x09070501, 0x09070505, 0x09070703, 0x0907070b,
    0x09090101, 0x09090105, 0x09090509, 0x0909070f, 0x09090901, 0x09090f03, 0x090b010b, 0x090b010f,
    0x090b0503, 0x090b0d05, 0x090d0307, 0x090d0709, 0x090d0d01, 0x090f0301, 0x090f030b, 0x090f0701,
    0x090f0907, 0x090f0b03, 0x0b010105, 0x0b010301, 0x0b010309, 0x0b010505, 0x0b010901, 0x0b010909,
    0x0b01090f, 0x0b010b05, 0x0b010d0d, 0x0b010f09, 0x0b030103, 0x0b030107, 0x0b03010b, 0x0b030305,
    0x0b030503, 0x0b030705, 0x0b030f05, 0x0b050101, 0x0b050303, 0x0b050507, 0x0b050701, 0x0b05070d,
    0x0b050b07, 0x0b070105, 0x0b07010f, 0x0b070301, 0x0b07050f, 0x0b070909, 0x0b070b03, 0x0b070d0b,
    0x0b070f07, 0x0b090103, 0x0b090109, 0x0b090501, 0x0b090705, 0x0b09090d, 0x0b0b0305, 0x0b0b050d,
    0x0b0b0b03, 0x0b0b0b07, 0x0b0d0905, 0x0b0f0105, 0x0b0f0109, 0x0b0f0505, 0x0d010303, 0x0d010307,
    0x0d01030b, 0x0d010703, 0x0d010707, 0x0d010d01, 0x0d030101, 0x0d030501, 0x0d03050f, 0x0d030d09,
    0x0d050305, 0x0d050709, 0x0d050905, 0x0d050b0b, 0x0d050d05, 0x0d050f01, 0x0d070101, 0x0d070309,
    0x0d070503, 0x0d070901, 0x0d09050b, 0x0d090907, 0x0d090d05, 0x0d0b0101, 0x0d0b0107, 0x0d0b0709,
    0x0d0b0d01, 0x0d0d010b, 0x0d0d0901, 0x0d0f0303, 0x0d0f0307, 0x0f010101, 0x0f010109, 0x0f01010f,
    0x0f010501, 0x0f010505, 0x0f01070d, 0x0f010901, 0x0f010b09, 0x0f010d05, 0x0f030105, 0x0f030303,
    0x0f030509, 0x0f030907, 0x0f03090b, 0x0f050103, 0x0f050109, 0x0f050301, 0x0f05030d, 0x0f050503,
    0x0f050701, 0x0f050b03, 0x0f070105, 0x0f070705, 0x0f07070b, 0x0f070b07, 0x0f090103, 0x0f09010b,
    0x0f090307, 0x0f090501, 0x0f090b01, 0x0f0b0505, 0x0f0b0905, 0x0f0d0105, 0x0f0d0703, 0x0f0f0101,
};

#define LLML__IQ3_XXS_BYTES 98
#define LLML__IQ3_S_BYTES 110
#define LLML__IQ3_NKEYS 4096   /* 4 levels of 3 bits */

/* Expand a 7-bit sign field of iq3_xxs to 8 bits: bit 7 is the parity. */
static unsigned llml__iq3_signs8(uint32_t s7) {
    uint32_t p = s7 ^ (s7 >> 4);
    p ^= p >> 2;
    p ^= p >> 1;
    return (unsigned)(s7 | ((p & 1u) << 7));
}

static void llml__dequant_iq3_xxs(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nblk = n / LLML__QK_K;
    for (b = 0; b < nblk; b++, blk += LLML__IQ3_XXS_BYTES) {
        const float d = llml_fp16_to_fp32(llml__rd16(blk));
        const uint8_t *idx = blk + 2;
        const uint8_t *meta = blk + 2 + 64;
        int g, q, j;
        for (g = 0; g < 8; g++) {
            const uint32_t word = llml__rd32(meta + 4 * g);
            const float dl = d * (0.5f + (float)(word >> 28)) * 0.5f;
            for (q = 0; q < 4; q++) {
                const unsigned sg = llml__iq3_signs8((word >> (7 * q)) & 127u);
                const uint32_t lo = llml__iq3_xxs_grid[idx[8 * g + 2 * q]];
                const uint32_t hi = llml__iq3_xxs_grid[idx[8 * g + 2 * q + 1]];
                for (j = 0; j < 4; j++) {
                    const float a = dl * (float)((lo >> (8 * j)) & 255u);
                    const float c = dl * (float)((hi >> (8 * j)) & 255u);
                    dst[j] = ((sg >> j) & 1u) ? -a : a;
                    dst[4 + j] = ((sg >> (4 + j)) & 1u) ? -c : c;
                }
                dst += 8;
            }
        }
    }
}

static void llml__dequant_iq3_s(const void *src, float *dst, int64_t n) {
    const uint8_t *blk = (const uint8_t *)src;
    int64_t b, nblk = n / LLML__QK_K;
    for (b = 0; b < nblk; b++, blk += LLML__IQ3_S_BYTES) {
        const float d = llml_fp16_to_fp32(llml__rd16(blk));
        const uint8_t *lo = blk + 2, *qh = blk + 66, *sgn = blk + 74, *sc = blk + 106;
        int g, k, j;
        for (g = 0; g < 8; g++) {
            const int s = (sc[g >> 1] >> (4 * (g & 1))) & 15;
            const float dl = d * (float)(1 + 2 * s);
            for (k = 0; k < 8; k++) {
                const unsigned gi = lo[8 * g + k] | (((unsigned)qh[g] >> k & 1u) << 8);
                const uint32_t e = llml__iq3_s_grid[gi];
                const unsigned bits = (unsigned)sgn[4 * g + (k >> 1)] >> (4 * (k & 1));
                for (j = 0; j < 4; j++) {
                    const float a = dl * (float)((e >> (8 * j)) & 255u);
                    dst[j] = ((bits >> j) & 1u) ? -a : a;
                }
                dst += 4;
            }
        }
    }
}

/* ---- dot products with Q8_K activations (integer sums per block) ------- */

static float llml__dot_iq3_xxs(const void *w, const void *act, int64_t n) {
    const uint8_t *blk = (const uint8_t *)w;
    const llml__block_q8_K *a = (const llml__block_q8_K *)act;
    int64_t b, nblk = n / LLML__QK_K;
    float sum = 0.0f;
    for (b = 0; b < nblk; b++, blk += LLML__IQ3_XXS_BYTES) {
        const float d = llml_fp16_to_fp32(llml__rd16(blk)) * a[b].d;
        const uint8_t *idx = blk + 2, *meta = blk + 66;
        const int8_t *q8 = a[b].qs;
        int32_t total = 0;
        int g, q, j;
        for (g = 0; g < 8; g++) {
            const uint32_t word = llml__rd32(meta + 4 * g);
            int32_t gs = 0;
            for (q = 0; q < 4; q++) {
                const unsigned sg = llml__iq3_signs8((word >> (7 * q)) & 127u);
                const uint32_t e0 = llml__iq3_xxs_grid[idx[2 * q]];
                const uint32_t e1 = llml__iq3_xxs_grid[idx[2 * q + 1]];
                for (j = 0; j < 4; j++) {
                    const int32_t p0 = (int32_t)((e0 >> (8 * j)) & 255u) * q8[j];
                    const int32_t p1 = (int32_t)((e1 >> (8 * j)) & 255u) * q8[4 + j];
                    gs += ((sg >> j) & 1u) ? -p0 : p0;
                    gs += ((sg >> (4 + j)) & 1u) ? -p1 : p1;
                }
                q8 += 8;
            }
            total += gs * (int32_t)(2 * (word >> 28) + 1);
            idx += 8;
        }
        sum += d * (float)total;
    }
    return 0.25f * sum;
}

static float llml__dot_iq3_s(const void *w, const void *act, int64_t n) {
    const uint8_t *blk = (const uint8_t *)w;
    const llml__block_q8_K *a = (const llml__block_q8_K *)act;
    int64_t b, nblk = n / LLML__QK_K;
    float sum = 0.0f;
    for (b = 0; b < nblk; b++, blk += LLML__IQ3_S_BYTES) {
        const float d = llml_fp16_to_fp32(llml__rd16(blk)) * a[b].d;
        const uint8_t *lo = blk + 2, *qh = blk + 66, *sgn = blk + 74, *sc = blk + 106;
        const int8_t *q8 = a[b].qs;
        int32_t total = 0;
        int g, k, j;
        for (g = 0; g < 8; g++) {
            const int32_t s = (sc[g >> 1] >> (4 * (g & 1))) & 15;
            int32_t gs = 0;
            for (k = 0; k < 8; k++) {
                const unsigned gi = lo[8 * g + k] | (((unsigned)qh[g] >> k & 1u) << 8);
                const uint32_t e = llml__iq3_s_grid[gi];
                const unsigned bits = (unsigned)sgn[4 * g + (k >> 1)] >> (4 * (k & 1));
                for (j = 0; j < 4; j++) {
                    const int32_t p = (int32_t)((e >> (8 * j)) & 255u) * q8[j];
                    gs += ((bits >> j) & 1u) ? -p : p;
                }
                q8 += 4;
            }
            total += gs * (2 * s + 1);
        }
        sum += d * (float)total;
    }
    return sum;
}

/* ---- quantization -------------------------------------------------------
   Lookup tables built per call (no globals): the level quad of every grid
   entry; a map from each of the 4096 level quads to its grid index, or, for
   quads not on the grid, to a list of nearby grid entries (all entries at
   the 2 (grid of 256) or 3 (grid of 512) smallest distinct distances, in
   order of distance then index). */

typedef struct llml__iq3_tabs {
    int ngrid;
    uint8_t *lv;        /* ngrid x 4 levels */
    int32_t *map;       /* key -> grid index (>= 0) or -(1 + list start)  */
    uint16_t *nbr;      /* lists: count, then that many grid indices       */
    size_t nbr_len;     /* capacity of nbr, in entries                     */
} llml__iq3_tabs;

static void llml__iq3_tabs_free(llml__iq3_tabs *t) {
    llml__free(NULL, t->lv, (size_t)t->ngrid * 4);
    llml__free(NULL, t->map, LLML__IQ3_NKEYS * sizeof(int32_t));
    llml__free(NULL, t->nbr, t->nbr_len * sizeof(uint16_t));
    t->lv = NULL; t->map = NULL; t->nbr = NULL;
}

/* Grid entries nearest to level quad `key` (see above), written to out;
   returns how many (at most ngrid). dist: ngrid ints of scratch. */
static int llml__iq3_nearest(const llml__iq3_tabs *t, int key, int nwant, int *dist, uint16_t *out) {
    int p[4], th[3], nth = 0, j, k, m, cnt = 0;
    for (k = 0; k < 4; k++) p[k] = (key >> (3 * k)) & 7;
    for (j = 0; j < t->ngrid; j++) {
        const uint8_t *l = t->lv + 4 * j;
        int d2 = 0;
        for (k = 0; k < 4; k++) d2 += (l[k] - p[k]) * (l[k] - p[k]);
        dist[j] = d2;
        /* keep th[0..nth-1]: the nwant smallest distinct distances, ascending */
        if (nth == nwant && d2 >= th[nth - 1]) continue;
        for (m = 0; m < nth && th[m] < d2; m++) {}
        if (m < nth && th[m] == d2) continue;
        if (nth < nwant) nth++;
        for (k = nth - 1; k > m; k--) th[k] = th[k - 1];
        th[m] = d2;
    }
    for (m = 0; m < nth; m++)
        for (j = 0; j < t->ngrid; j++)
            if (dist[j] == th[m]) out[cnt++] = (uint16_t)j;
    return cnt;
}

static llml_result llml__iq3_tabs_init(llml__iq3_tabs *t, int xxs) {
    const uint32_t *grid = xxs ? llml__iq3_xxs_grid : llml__iq3_s_grid;
    const int ngrid = xxs ? 256 : 512, nwant = xxs ? 2 : 3;
    int *dist;
    int i, j, key;
    size_t pos = 0;
    t->ngrid = ngrid;
    t->nbr_len = (size_t)16384;
    t->lv = LLML__CAST(uint8_t *, llml__alloc(NULL, (size_t)ngrid * 4, 16));
    t->map = LLML__CAST(int32_t *, llml__alloc(NULL, LLML__IQ3_NKEYS * sizeof(int32_t), 16));
    t->nbr = LLML__CAST(uint16_t *, llml__alloc(NULL, t->nbr_len * sizeof(uint16_t), 16));
    dist = LLML__CAST(int *, llml__alloc(NULL, (size_t)ngrid * sizeof(int), 16));
    if (!t->lv || !t->map || !t->nbr || !dist) goto oom;
    for (key = 0; key < LLML__IQ3_NKEYS; key++) t->map[key] = -1;
    for (i = 0; i < ngrid; i++) {
        int k = 0;
        for (j = 0; j < 4; j++) {
            const int v = (int)((grid[i] >> (8 * j)) & 255u);
            const int l = xxs ? (v - 4) >> 3 : (v - 1) >> 1;   /* 62 -> 7 in iq3_xxs */
            t->lv[4 * i + j] = (uint8_t)l;
            k |= l << (3 * j);
        }
        t->map[k] = i;
    }
    for (key = 0; key < LLML__IQ3_NKEYS; key++) {
        int cnt;
        if (t->map[key] >= 0) continue;
        if (pos + 1 + (size_t)ngrid > t->nbr_len) {   /* grow the list storage */
            uint16_t *grown = LLML__CAST(uint16_t *, llml__alloc(NULL, 2 * t->nbr_len * sizeof(uint16_t), 16));
            if (!grown) goto oom;
            memcpy(grown, t->nbr, pos * sizeof(uint16_t));
            llml__free(NULL, t->nbr, t->nbr_len * sizeof(uint16_t));
            t->nbr = grown;
            t->nbr_len *= 2;
        }
        cnt = llml__iq3_nearest(t, key, nwant, dist, t->nbr + pos + 1);
        t->nbr[pos] = (uint16_t)cnt;
        t->map[key] = -(int32_t)(pos + 1);
        pos += 1 + (size_t)cnt;
    }
    llml__free(NULL, dist, (size_t)ngrid * sizeof(int));
    return LLML_OK;
oom:
    llml__free(NULL, dist, (size_t)ngrid * sizeof(int));
    llml__iq3_tabs_free(t);
    return LLML_ERR_OUT_OF_MEMORY;
}

/* Among the neighbours of an off-grid quad, the entry closest to the values
   xv (weights w) at the given scale; its levels go to L. */
static int llml__iq3_best_neighbour(const llml__iq3_tabs *t, int key, const float *xv,
                                    const float *w, float scale, int8_t *L) {
    const uint16_t *list = t->nbr + (-t->map[key] - 1);
    int j, i, best = list[1];
    float best_d2 = FLT_MAX;
    for (j = 1; j <= (int)list[0]; j++) {
        const uint8_t *l = t->lv + 4 * list[j];
        float d2 = 0.0f;
        for (i = 0; i < 4; i++) {
            const float diff = scale * (float)(2 * l[i] + 1) - xv[i];
            d2 += w[i] * diff * diff;
        }
        if (d2 < best_d2) { best_d2 = d2; best = list[j]; }
    }
    for (i = 0; i < 4; i++) L[i] = (int8_t)t->lv[4 * best + i];
    return best;
}

static int llml__iq3_key(const int8_t *L) {
    return L[0] | (L[1] << 3) | (L[2] << 6) | (L[3] << 9);
}

/* Levels of the 4 values xv at inverse scale id, clamped to 0..7. */
static int llml__iq3_round_quad(const float *xv, float id, int8_t *L) {
    int i;
    for (i = 0; i < 4; i++) {
        const int l = llml__nearest_int(0.5f * (id * xv[i] - 1));
        L[i] = (int8_t)LLML__MAX(0, LLML__MIN(7, l));
    }
    return llml__iq3_key(L);
}

/* Weighted least-squares scale terms of levels L against xv. */
static void llml__iq3_fit(const float *xv, const float *w, const int8_t *L, float *sumqx, float *sumq2) {
    float a = 0.0f, b = 0.0f;
    int i;
    for (i = 0; i < 32; i++) {
        const float q = (float)(2 * L[i] + 1);
        a += w[i] * xv[i] * q;
        b += w[i] * q * q;
    }
    *sumqx = a; *sumq2 = b;
}

/* Quantize one block of 256 (x) into out (98 or 110 bytes). qw: the 256
   importance weights of these columns, or NULL. */
static void llml__iq3_quant_block(const llml__iq3_tabs *t, int xxs, const float *x,
                                  const float *qw, uint8_t *out) {
    float scales[8], w[32], waux[32], xv[32];
    int8_t L[32], Lt[32];
    int on[8], on_t[8];
    uint16_t gidx[64];
    uint32_t sgn[8];          /* xxs: 28 packed sign bits; s: 4 sign bytes */
    float sumx2 = 0.0f, sigma2, max_scale = 0.0f, d, id;
    const int is_lim = xxs ? 15 : 9;
    int g, i, k;

    for (i = 0; i < LLML__QK_K; i++) sumx2 += x[i] * x[i];
    sigma2 = 2 * sumx2 / LLML__QK_K;
    memset(gidx, 0, sizeof gidx);

    for (g = 0; g < 8; g++) {
        const float *xg = x + 32 * g;
        float max, best = 0.0f, scale, sumqx, sumq2;
        uint8_t bs[4];
        int is, n_off = 0;
        if (qw) {
            for (i = 0; i < 32; i++) w[i] = qw[32 * g + i] * sqrtf(sigma2 + xg[i] * xg[i]);
        } else {
            for (i = 0; i < 32; i++) w[i] = xg[i] * xg[i];
        }
        for (i = 0; i < 32; i++) waux[i] = sqrtf(w[i]);
        /* magnitudes and signs, 8 at a time; iq3_xxs needs an even number of
           negatives, so the cheapest (least weighted) one is flipped back */
        for (k = 0; k < 4; k++) {
            unsigned s = 0;
            int neg = 0;
            for (i = 0; i < 8; i++) {
                const float v = xg[8 * k + i];
                if (v >= 0) xv[8 * k + i] = v;
                else { xv[8 * k + i] = -v; s |= 1u << i; neg++; }
            }
            if (xxs && (neg & 1)) {
                int imin = 0;
                float vmin = w[8 * k] * xg[8 * k] * xg[8 * k];
                for (i = 1; i < 8; i++) {
                    const float c = w[8 * k + i] * xg[8 * k + i] * xg[8 * k + i];
                    if (c < vmin) { vmin = c; imin = i; }
                }
                xv[8 * k + imin] = -xv[8 * k + imin];
                s ^= 1u << imin;
            }
            bs[k] = (uint8_t)(xxs ? (s & 127u) : s);
        }
        max = xv[0];
        for (i = 1; i < 32; i++) max = LLML__MAX(max, xv[i]);
        memset(L, 0, sizeof L);
        sgn[g] = 0;
        scales[g] = 0.0f;
        if (xxs ? max < 1e-8f : max == 0) continue;

        /* scan trial scales around max/15; keep the best weighted fit */
        scale = max / 15;
        for (k = 0; k < 8; k++) on[k] = xxs;
        for (is = -is_lim; is <= is_lim; is++) {
            const float inv = (15 + (float)is * 0.2f) / max;
            const float this_scale = 1 / inv;
            for (k = 0; k < 8; k++) {
                const int key = llml__iq3_round_quad(xv + 4 * k, inv, Lt + 4 * k);
                on_t[k] = t->map[key] >= 0;
                if (!on_t[k]) llml__iq3_best_neighbour(t, key, xv + 4 * k, waux + 4 * k, this_scale, Lt + 4 * k);
            }
            llml__iq3_fit(xv, w, Lt, &sumqx, &sumq2);
            if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
                scale = sumqx / sumq2;
                best = scale * sumqx;
                memcpy(L, Lt, sizeof L);
                memcpy(on, on_t, sizeof on);
            }
        }
        /* re-round quads that had to be moved to the grid at the final scale
           (iq3_s: every quad) and refit */
        for (k = 0; k < 8; k++) n_off += !on[k];
        if (n_off > 0 && scale > 0) {
            const float inv = 1 / scale;
            for (k = 0; k < 8; k++) {
                int key;
                if (xxs && on[k]) continue;
                key = llml__iq3_round_quad(xv + 4 * k, inv, L + 4 * k);
                if (t->map[key] < 0) llml__iq3_best_neighbour(t, key, xv + 4 * k, waux + 4 * k, scale, L + 4 * k);
            }
            llml__iq3_fit(xv, w, L, &sumqx, &sumq2);
            if (sumq2 > 0) scale = sumqx / sumq2;
        }
        if (scale < 0) {   /* not expected; keep the stored scale positive */
            scale = -scale;
            for (k = 0; k < 4; k++) bs[k] = (uint8_t)(~bs[k] & (xxs ? 127u : 255u));
        }
        for (k = 0; k < 8; k++) {
            const int32_t gi = t->map[llml__iq3_key(L + 4 * k)];
            gidx[8 * g + k] = (uint16_t)(gi >= 0 ? gi : 0);   /* L is always on the grid */
        }
        if (xxs) sgn[g] = (uint32_t)bs[0] | ((uint32_t)bs[1] << 7) | ((uint32_t)bs[2] << 14) | ((uint32_t)bs[3] << 21);
        else sgn[g] = (uint32_t)bs[0] | ((uint32_t)bs[1] << 8) | ((uint32_t)bs[2] << 16) | ((uint32_t)bs[3] << 24);
        scales[g] = scale;
        max_scale = LLML__MAX(max_scale, scale);
    }

    /* the block: super-scale max_scale/31 (times a small empirical factor),
       group scales rounded to odd multiples 2s+1 of it */
    if (xxs) {
        memset(out, 0, LLML__IQ3_XXS_BYTES);
        if (max_scale == 0) return;             /* all groups ~0: d = 0 */
        d = max_scale / 31;
        llml__wr16(out, llml_fp32_to_fp16(d * 1.0125f));
        id = 1 / d;
        for (i = 0; i < 64; i++) out[2 + i] = (uint8_t)gidx[i];
        for (g = 0; g < 8; g++) {
            const int l = llml__nearest_int(0.5f * (id * scales[g] - 1));
            llml__wr32(out + 66 + 4 * g, sgn[g] | ((uint32_t)LLML__MAX(0, LLML__MIN(15, l)) << 28));
        }
    } else {
        memset(out, 0, LLML__IQ3_S_BYTES);
        for (i = 0; i < 64; i++) {
            out[2 + i] = (uint8_t)(gidx[i] & 255);
            out[66 + i / 8] = (uint8_t)(out[66 + i / 8] | ((gidx[i] >> 8) << (i % 8)));
        }
        for (g = 0; g < 8; g++) llml__wr32(out + 74 + 4 * g, sgn[g]);
        if (max_scale == 0) return;
        d = max_scale / 31;
        llml__wr16(out, llml_fp32_to_fp16(d * 1.033f));
        id = 1 / d;
        for (g = 0; g < 8; g++) {
            const int l = llml__nearest_int(0.5f * (id * scales[g] - 1));
            out[106 + g / 2] = (uint8_t)(out[106 + g / 2] | (LLML__MAX(0, LLML__MIN(15, l)) << (4 * (g & 1))));
        }
    }
}

static llml_result llml__iq3_quant(int xxs, const float *src, void *dst, int64_t nrows,
                                   int64_t n_per_row, const float *imatrix) {
    llml__iq3_tabs t;
    const size_t bytes = xxs ? LLML__IQ3_XXS_BYTES : LLML__IQ3_S_BYTES;
    const int64_t nblk = n_per_row / LLML__QK_K;
    uint8_t *out = (uint8_t *)dst;
    int64_t r, b;
    llml_result res = llml__iq3_tabs_init(&t, xxs);
    if (res != LLML_OK) return res;
    for (r = 0; r < nrows; r++) {
        const float *row = src + r * n_per_row;
        for (b = 0; b < nblk; b++, out += bytes)
            llml__iq3_quant_block(&t, xxs, row + b * LLML__QK_K, imatrix ? imatrix + b * LLML__QK_K : NULL, out);
    }
    llml__iq3_tabs_free(&t);
    return LLML_OK;
}

static llml_result llml__quant_iq3_xxs(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq3_quant(1, src, dst, nrows, n_per_row, imatrix);
}

static llml_result llml__quant_iq3_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq3_quant(0, src, dst, nrows, n_per_row, imatrix);
}
