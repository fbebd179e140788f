/* ------------------------------------------------------------------------ */
/* >>quant_iq1  IQ1_S and IQ1_M: ternary octets on a 2048-point grid         */
/* ------------------------------------------------------------------------ */
/* Both formats cut a block of 256 weights into octets of 8. An octet stores
   an 11-bit index into a grid of 2048 ternary vectors (coordinates -1, 0,
   +1) and a sign bit s that shifts the whole octet by delta = -/+ 0.125:
       weight = dl * (g + delta),  delta = s ? -0.125 : +0.125,
   where dl = d * (2l + 1) with a 3-bit sub-scale l and an fp16 scale d.

   iq1_s, 50 bytes:  d fp16 @0 | index low bytes [32] @2 | 8 little-endian
                     u16 @34, one per group of 32 (4 octets): bits 3k..3k+2
                     are the index bits 8..10 of octet k, bits 12..14 the
                     sub-scale l, bit 15 the sign s of the whole group.
   iq1_m, 56 bytes:  index low bytes [32] @0 | qh [16] @32: byte h covers
                     octets 2h (low nibble) and 2h+1 (high nibble); bits 0..2
                     of a nibble are index bits 8..10, bit 3 the sign s of
                     that octet | 4 little-endian u16 @48: bits 3j..3j+2 of
                     word w are the sub-scale l of group of 16 number 4w+j
                     (each group of 16 = 2 octets); the top nibbles of the
                     four words, word 0 lowest, form the fp16 bits of d.

   The dot products take Q8_K activations and accumulate in integers; the
   delta term uses the activation sums (Q8_K bsums for iq1_s, whose sign
   bit spans 32 weights; per-octet sums for iq1_m).

   Quantization (after the reference's IQ1 algorithm): for each group (32
   weights in iq1_s, 16 in iq1_m) the weighted least-squares problem with
   values {-1, 0, 1} + delta is solved exactly over all ways to split the
   sorted weights into three runs and over the delta signs; octets that
   fall off the grid move to the best of their nearest grid points. Weights
   are imatrix[i] * sqrt(sigma2 + x[i]^2) (sigma2 = 2 * mean x^2 of the
   block). Without an imatrix both formats use sqrt(sigma2 + x[i]^2), i.e.
   a constant importance. (The reference refuses iq1_s without an imatrix
   and weighs iq1_m by x[i]^2; on Gaussian data x^2 gives a relative RMS
   error of 0.63 / 0.58 for iq1_s / iq1_m, this fallback 0.48 / 0.45.)
   Deviation from the reference: an all-zero group is coded with the zero
   octet (values +/- 0.125 * dl) instead of index 0 (values -0.875 * dl). */

#define LLML__IQ1_DELTA 0.125f   /* IQ1S_DELTA and IQ1M_DELTA */
#define LLML__IQ1_NGRID 2048
#define LLML__IQ1_NKEYS 6561     /* 3^8 ternary octets */
#define LLML__IQ1_ZERO_KEY 3280  /* the octet of zeros: level 1 everywhere */

/* The 2048 points of the IQ1_S/IQ1_M grid: 8 coordinates in {-1,0,1}, two
   bits each (coordinate j = ((key >> 2j) & 3) - 1), in index order. */
static const uint16_t llml__iq1_grid[2048] = {
        0,     2,     5,     8,    10,    17,    21,    32,    34,    40,    42,    69,
       81,    84,    86,   101,   128,   130,   136,   138,   149,   160,   162,   168,
      170,   260,   261,   273,   276,   278,   281,   282,   293,   321,   326,   329,
      338,   341,   346,   353,   356,   358,   360,   389,   401,   404,   406,   421,
      512,   514,   520,   522,   533,   544,   546,   552,   554,   581,   593,   601,
      612,   617,   640,   642,   648,   650,   657,   661,   665,   672,   674,   680,
      682,  1041,  1044,  1046,  1061,  1089,  1097,  1109,  1114,  1124,  1125,  1169,
     1177,  1189,  1281,  1284,  1285,  1286,  1301,  1304,  1306,  1321,  1344,  1349,
     1354,  1360,  1361,  1364,  1365,  1366,  1369,  1376,  1378,  1381,  1384,  1386,
     1409,  1425,  1429,  1432,  1434,  1441,  1444,  1445,  1446,  1449,  1556,  1561,
     1601,  1604,  1616,  1618,  1621,  1624,  1632,  1633,  1638,  1641,  1669,  1681,
     1684,  1689,  2048,  2050,  2056,  2058,  2069,  2080,  2082,  2088,  2090,  2117,
     2129,  2134,  2149,  2176,  2178,  2184,  2186,  2197,  2208,  2210,  2216,  2218,
     2309,  2321,  2324,  2329,  2340,  2341,  2369,  2384,  2385,  2389,  2401,  2404,
     2409,  2449,  2452,  2454,  2457,  2469,  2560,  2562,  2568,  2570,  2581,  2592,
     2594,  2600,  2602,  2629,  2641,  2649,  2657,  2661,  2688,  2690,  2693,  2696,
     2698,  2709,  2720,  2722,  2728,  2730,  4112,  4113,  4116,  4121,  4132,  4133,
     4161,  4164,  4176,  4181,  4184,  4193,  4196,  4197,  4201,  4241,  4244,  4246,
     4257,  4261,  4353,  4356,  4358,  4361,  4368,  4370,  4373,  4376,  4385,  4388,
     4393,  4421,  4426,  4432,  4433,  4434,  4436,  4437,  4438,  4441,  4448,  4453,
     4484,  4498,  4501,  4513,  4516,  4625,  4628,  4630,  4645,  4672,  4678,  4681,
     4690,  4693,  4696,  4698,  4708,  4710,  4741,  4753,  4756,  4758,  4773,  5121,
     5126,  5129,  5140,  5141,  5144,  5145,  5153,  5158,  5185,  5189,  5190,  5192,
     5194,  5201,  5204,  5205,  5206,  5209,  5218,  5221,  5224,  5252,  5257,  5264,
     5268,  5269,  5272,  5273,  5274,  5281,  5284,  5285,  5289,  5378,  5381,  5386,
     5393,  5396,  5397,  5398,  5401,  5408,  5410,  5413,  5416,  5418,  5441,  5444,
     5445,  5446,  5457,  5458,  5460,  5461,  5462,  5465,  5466,  5473,  5476,  5477,
     5478,  5481,  5504,  5506,  5508,  5509,  5512,  5514,  5520,  5521,  5524,  5525,
     5526,  5529,  5530,  5536,  5538,  5541,  5633,  5636,  5637,  5638,  5653,  5654,
     5656,  5658,  5665,  5670,  5696,  5698,  5700,  5701,  5704,  5706,  5713,  5717,
     5718,  5720,  5721,  5729,  5732,  5733,  5736,  5737,  5738,  5766,  5770,  5778,
     5781,  5796,  5801,  6161,  6166,  6181,  6209,  6212,  6214,  6217,  6224,  6229,
     6232,  6234,  6240,  6241,  6244,  6246,  6249,  6277,  6289,  6292,  6309,  6416,
     6418,  6421,  6426,  6433,  6437,  6466,  6468,  6469,  6472,  6481,  6484,  6485,
     6486,  6489,  6490,  6496,  6501,  6506,  6537,  6545,  6546,  6549,  6552,  6561,
     6566,  6569,  6665,  6678,  6692,  6694,  6724,  6726,  6729,  6736,  6738,  6741,
     6744,  6753,  6758,  6761,  6789,  6801,  6806,  6810,  8192,  8194,  8200,  8202,
     8213,  8224,  8226,  8229,  8232,  8234,  8261,  8273,  8281,  8289,  8293,  8320,
     8322,  8328,  8330,  8341,  8352,  8354,  8357,  8360,  8362,  8453,  8465,  8468,
     8473,  8485,  8514,  8516,  8521,  8533,  8536,  8538,  8545,  8548,  8549,  8550,
     8581,  8592,  8598,  8601,  8613,  8705,  8712,  8714,  8721,  8725,  8736,  8738,
     8744,  8746,  8773,  8785,  8790,  8793,  8805,  8833,  8840,  8842,  8849,  8853,
     8864,  8866,  8872,  8874,  9221,  9236,  9238,  9241,  9253,  9284,  9285,  9286,
     9289,  9298,  9301,  9304,  9306,  9318,  9349,  9361,  9364,  9369,  9377,  9381,
     9481,  9493,  9505,  9513,  9536,  9541,  9544,  9553,  9556,  9557,  9561,  9570,
     9573,  9576,  9609,  9616,  9620,  9621,  9624,  9626,  9633,  9636,  9638,  9641,
     9733,  9744,  9746,  9753,  9765,  9793,  9801,  9813,  9824,  9825,  9833,  9860,
     9862,  9872,  9882, 10240, 10242, 10248, 10250, 10261, 10272, 10274, 10280, 10282,
    10309, 10321, 10324, 10341, 10368, 10370, 10376, 10378, 10400, 10402, 10408, 10410,
    10505, 10513, 10516, 10521, 10533, 10566, 10569, 10578, 10581, 10593, 10596, 10598,
    10601, 10629, 10640, 10646, 10649, 10660, 10661, 10752, 10754, 10760, 10762, 10784,
    10786, 10792, 10794, 10821, 10833, 10838, 10841, 10853, 10880, 10882, 10888, 10890,
    10901, 10912, 10914, 10920, 10922, 16389, 16401, 16406, 16421, 16457, 16466, 16469,
    16472, 16474, 16481, 16484, 16486, 16532, 16537, 16545, 16550, 16640, 16641, 16644,
    16646, 16649, 16658, 16661, 16662, 16664, 16666, 16673, 16678, 16681, 16709, 16712,
    16714, 16721, 16724, 16725, 16726, 16729, 16730, 16741, 16744, 16746, 16769, 16772,
    16774, 16784, 16786, 16789, 16800, 16801, 16802, 16901, 16913, 16916, 16918, 16933,
    16961, 16978, 16981, 16986, 16996, 17001, 17033, 17044, 17061, 17409, 17429, 17433,
    17449, 17477, 17480, 17482, 17489, 17492, 17493, 17494, 17505, 17506, 17509, 17512,
    17514, 17537, 17542, 17545, 17552, 17554, 17557, 17568, 17569, 17577, 17665, 17666,
    17669, 17674, 17681, 17684, 17685, 17686, 17689, 17696, 17701, 17706, 17729, 17732,
    17733, 17734, 17737, 17744, 17745, 17748, 17749, 17750, 17752, 17753, 17761, 17764,
    17765, 17766, 17769, 17794, 17796, 17797, 17800, 17809, 17812, 17813, 17814, 17817,
    17818, 17829, 17832, 17834, 17921, 17925, 17929, 17940, 17941, 17944, 17946, 17953,
    17956, 17961, 17984, 17986, 17989, 17992, 18000, 18001, 18002, 18005, 18006, 18009,
    18018, 18021, 18024, 18049, 18053, 18058, 18068, 18069, 18081, 18084, 18086, 18437,
    18449, 18453, 18458, 18469, 18498, 18505, 18512, 18517, 18520, 18529, 18532, 18534,
    18537, 18565, 18577, 18580, 18582, 18585, 18597, 18689, 18693, 18694, 18698, 18704,
    18708, 18709, 18712, 18721, 18724, 18726, 18752, 18757, 18762, 18769, 18770, 18772,
    18773, 18774, 18777, 18784, 18786, 18789, 18790, 18794, 18822, 18825, 18834, 18837,
    18838, 18840, 18849, 18852, 18854, 18857, 18966, 19012, 19014, 19017, 19029, 19032,
    19034, 19044, 19049, 19092, 19109, 20481, 20484, 20485, 20486, 20489, 20498, 20501,
    20506, 20513, 20516, 20521, 20544, 20549, 20552, 20561, 20564, 20565, 20566, 20569,
    20581, 20584, 20614, 20617, 20629, 20632, 20640, 20641, 20646, 20649, 20741, 20744,
    20745, 20746, 20753, 20756, 20757, 20758, 20760, 20761, 20768, 20773, 20774, 20776,
    20778, 20801, 20804, 20805, 20806, 20809, 20816, 20817, 20818, 20820, 20821, 20822,
    20824, 20825, 20826, 20833, 20836, 20837, 20838, 20841, 20866, 20869, 20881, 20884,
    20885, 20886, 20889, 20896, 20901, 20906, 20993, 20998, 21010, 21013, 21018, 21025,
    21028, 21058, 21061, 21066, 21073, 21076, 21077, 21078, 21081, 21090, 21093, 21125,
    21136, 21138, 21141, 21145, 21146, 21156, 21508, 21509, 21521, 21524, 21525, 21526,
    21528, 21529, 21537, 21541, 21544, 21546, 21569, 21572, 21573, 21574, 21577, 21578,
    21584, 21585, 21588, 21589, 21590, 21592, 21593, 21594, 21601, 21602, 21604, 21605,
    21606, 21609, 21632, 21640, 21642, 21649, 21652, 21653, 21654, 21657, 21665, 21668,
    21669, 21674, 21761, 21762, 21764, 21765, 21766, 21769, 21776, 21777, 21778, 21780,
    21781, 21782, 21785, 21786, 21793, 21796, 21797, 21798, 21801, 21824, 21825, 21826,
    21828, 21829, 21830, 21832, 21833, 21840, 21841, 21842, 21844, 21845, 21846, 21848,
    21849, 21850, 21856, 21857, 21860, 21861, 21862, 21864, 21865, 21866, 21889, 21892,
    21893, 21897, 21898, 21904, 21905, 21908, 21909, 21910, 21912, 21913, 21921, 21924,
    21925, 21926, 21929, 22016, 22017, 22018, 22020, 22022, 22024, 22025, 22033, 22036,
    22037, 22040, 22041, 22048, 22049, 22050, 22052, 22053, 22054, 22056, 22057, 22081,
    22085, 22086, 22088, 22089, 22090, 22096, 22097, 22098, 22100, 22101, 22102, 22104,
    22105, 22106, 22113, 22116, 22117, 22121, 22146, 22149, 22150, 22152, 22153, 22154,
    22161, 22165, 22170, 22178, 22181, 22182, 22184, 22185, 22532, 22533, 22534, 22537,
    22544, 22549, 22552, 22561, 22570, 22597, 22600, 22602, 22609, 22612, 22613, 22614,
    22616, 22617, 22624, 22626, 22628, 22629, 22658, 22665, 22672, 22674, 22677, 22680,
    22689, 22697, 22785, 22786, 22789, 22794, 22801, 22804, 22805, 22806, 22809, 22821,
    22849, 22852, 22853, 22854, 22857, 22864, 22865, 22866, 22868, 22869, 22870, 22872,
    22873, 22874, 22881, 22884, 22885, 22886, 22889, 22913, 22917, 22921, 22929, 22932,
    22933, 22934, 22936, 22937, 22949, 23044, 23048, 23061, 23066, 23072, 23077, 23078,
    23081, 23109, 23112, 23113, 23121, 23125, 23126, 23128, 23129, 23138, 23141, 23144,
    23146, 23169, 23178, 23186, 23189, 23190, 23192, 23194, 23201, 24581, 24596, 24598,
    24601, 24613, 24644, 24656, 24661, 24662, 24664, 24666, 24673, 24676, 24678, 24681,
    24705, 24726, 24741, 24833, 24836, 24838, 24841, 24850, 24853, 24865, 24866, 24870,
    24873, 24901, 24905, 24913, 24917, 24918, 24921, 24933, 24934, 24938, 24964, 24970,
    24978, 24981, 24993, 24998, 25001, 25105, 25110, 25113, 25152, 25153, 25158, 25173,
    25174, 25176, 25184, 25221, 25233, 25238, 25253, 25617, 25618, 25621, 25622, 25626,
    25633, 25638, 25641, 25664, 25666, 25669, 25672, 25674, 25681, 25684, 25685, 25686,
    25689, 25690, 25696, 25698, 25701, 25732, 25733, 25737, 25744, 25746, 25748, 25749,
    25750, 25752, 25754, 25761, 25764, 25769, 25861, 25864, 25866, 25873, 25877, 25878,
    25881, 25924, 25925, 25926, 25929, 25936, 25937, 25940, 25941, 25942, 25945, 25953,
    25956, 25957, 25958, 25961, 25990, 25993, 25994, 26001, 26005, 26006, 26009, 26010,
    26018, 26021, 26022, 26024, 26114, 26121, 26133, 26144, 26150, 26152, 26153, 26176,
    26181, 26184, 26186, 26193, 26196, 26197, 26198, 26200, 26202, 26208, 26213, 26216,
    26240, 26242, 26245, 26250, 26260, 26262, 26264, 26265, 26272, 26276, 26278, 26282,
    26646, 26649, 26661, 26689, 26706, 26709, 26714, 26721, 26729, 26757, 26769, 26776,
    26790, 26881, 26884, 26896, 26901, 26913, 26916, 26918, 26921, 26944, 26945, 26949,
    26950, 26952, 26961, 26964, 26965, 26966, 26969, 26976, 26981, 26986, 27010, 27012,
    27018, 27029, 27041, 27044, 27045, 27049, 27153, 27158, 27160, 27201, 27204, 27209,
    27216, 27221, 27224, 27226, 27236, 27237, 27241, 27270, 27284, 27288, 27290, 27302,
    32768, 32770, 32776, 32778, 32800, 32802, 32808, 32810, 32837, 32848, 32849, 32852,
    32854, 32857, 32869, 32896, 32898, 32904, 32906, 32917, 32928, 32930, 32936, 32938,
    33029, 33041, 33044, 33046, 33049, 33061, 33089, 33092, 33097, 33104, 33106, 33109,
    33110, 33112, 33113, 33124, 33126, 33129, 33157, 33161, 33172, 33174, 33177, 33189,
    33280, 33282, 33288, 33290, 33301, 33312, 33314, 33320, 33322, 33361, 33364, 33369,
    33381, 33408, 33410, 33416, 33418, 33429, 33440, 33442, 33448, 33450, 33812, 33817,
    33857, 33860, 33873, 33877, 33882, 33889, 33892, 33897, 33940, 33945, 34049, 34057,
    34066, 34069, 34074, 34086, 34089, 34112, 34113, 34117, 34120, 34129, 34132, 34133,
    34134, 34137, 34138, 34149, 34150, 34152, 34154, 34177, 34180, 34182, 34185, 34192,
    34194, 34197, 34200, 34214, 34321, 34326, 34329, 34341, 34369, 34372, 34377, 34378,
    34384, 34389, 34393, 34394, 34401, 34406, 34410, 34437, 34449, 34458, 34468, 34816,
    34818, 34824, 34826, 34837, 34848, 34850, 34856, 34858, 34881, 34885, 34897, 34900,
    34905, 34917, 34921, 34944, 34946, 34952, 34954, 34965, 34976, 34978, 34984, 34986,
    35077, 35078, 35089, 35092, 35094, 35109, 35137, 35140, 35142, 35145, 35152, 35154,
    35157, 35162, 35169, 35172, 35205, 35222, 35225, 35237, 35328, 35330, 35336, 35338,
    35349, 35360, 35362, 35368, 35370, 35397, 35409, 35412, 35414, 35456, 35458, 35464,
    35466, 35477, 35488, 35490, 35496, 35498, 36869, 36881, 36886, 36888, 36889, 36901,
    36929, 36934, 36937, 36949, 36952, 36954, 36969, 36970, 36997, 37009, 37012, 37014,
    37017, 37029, 37121, 37124, 37126, 37129, 37136, 37141, 37144, 37146, 37153, 37156,
    37158, 37161, 37184, 37189, 37200, 37201, 37204, 37205, 37206, 37209, 37218, 37221,
    37252, 37254, 37266, 37269, 37272, 37281, 37284, 37286, 37289, 37381, 37393, 37396,
    37401, 37413, 37444, 37446, 37449, 37456, 37458, 37461, 37464, 37478, 37481, 37509,
    37524, 37526, 37545, 37889, 37892, 37894, 37904, 37909, 37912, 37926, 37952, 37962,
    37969, 37972, 37973, 37974, 37976, 37977, 37984, 37985, 37986, 37989, 38020, 38022,
    38034, 38036, 38037, 38040, 38049, 38057, 38144, 38149, 38152, 38154, 38160, 38161,
    38164, 38165, 38166, 38169, 38177, 38181, 38185, 38186, 38209, 38212, 38213, 38214,
    38217, 38224, 38225, 38226, 38228, 38229, 38230, 38232, 38233, 38234, 38241, 38244,
    38245, 38246, 38249, 38273, 38277, 38280, 38289, 38290, 38292, 38293, 38294, 38297,
    38298, 38304, 38306, 38309, 38312, 38314, 38401, 38404, 38416, 38421, 38425, 38432,
    38438, 38441, 38469, 38472, 38473, 38481, 38482, 38485, 38486, 38489, 38501, 38504,
    38530, 38532, 38537, 38538, 38546, 38548, 38549, 38564, 38566, 38569, 38917, 38934,
    38937, 38949, 38977, 38982, 38992, 38994, 38997, 38998, 39002, 39012, 39013, 39045,
    39057, 39062, 39065, 39077, 39172, 39174, 39177, 39184, 39186, 39189, 39192, 39194,
    39200, 39201, 39204, 39206, 39232, 39234, 39237, 39240, 39242, 39249, 39252, 39253,
    39254, 39257, 39266, 39269, 39270, 39274, 39297, 39300, 39312, 39314, 39317, 39322,
    39329, 39334, 39429, 39445, 39461, 39492, 39494, 39497, 39504, 39509, 39512, 39521,
    39557, 39569, 39572, 39573, 39574, 40960, 40962, 40968, 40970, 40981, 40992, 40994,
    41000, 41002, 41029, 41041, 41044, 41046, 41049, 41088, 41090, 41096, 41098, 41109,
    41120, 41122, 41128, 41130, 41221, 41225, 41233, 41236, 41238, 41241, 41242, 41286,
    41289, 41297, 41301, 41304, 41306, 41313, 41316, 41349, 41360, 41362, 41366, 41369,
    41474, 41480, 41482, 41488, 41497, 41506, 41512, 41514, 41541, 41553, 41558, 41561,
    41573, 41600, 41602, 41608, 41610, 41621, 41632, 41634, 41640, 41642, 42009, 42021,
    42049, 42052, 42064, 42068, 42069, 42072, 42074, 42081, 42085, 42086, 42088, 42089,
    42117, 42246, 42249, 42256, 42258, 42261, 42264, 42278, 42281, 42306, 42309, 42321,
    42324, 42325, 42326, 42329, 42341, 42346, 42369, 42372, 42373, 42374, 42377, 42386,
    42389, 42392, 42501, 42513, 42518, 42522, 42529, 42533, 42564, 42566, 42570, 42578,
    42581, 42582, 42584, 42592, 42594, 42630, 42640, 42645, 42646, 42649, 42657, 42660,
    42662, 43008, 43010, 43016, 43018, 43040, 43042, 43048, 43050, 43089, 43092, 43094,
    43097, 43136, 43138, 43144, 43146, 43157, 43168, 43170, 43176, 43178, 43269, 43284,
    43289, 43297, 43301, 43329, 43344, 43349, 43354, 43361, 43366, 43369, 43408, 43414,
    43520, 43522, 43528, 43530, 43552, 43554, 43560, 43562, 43601, 43604, 43606, 43648,
    43650, 43656, 43658, 43669, 43680, 43682, 43688, 43690,
};

/* Level j (0, 1, 2 for -1, 0, +1) of grid entry i. */
#define LLML__IQ1_LEVEL(i, j) ((int)((llml__iq1_grid[i] >> (2 * (j))) & 3u))

/* ---- dequantization ----------------------------------------------------- */

static void llml__dequant_iq1_s(const void *src, float *dst, int64_t n) {
    const uint8_t *b = (const uint8_t *)src;
    const int64_t nb = n / LLML__QK_K;
    int64_t i;
    int g, k, j;
    for (i = 0; i < nb; i++, b += 50) {
        const float d = llml_fp16_to_fp32(llml__rd16(b));
        for (g = 0; g < 8; g++) {
            const unsigned h = llml__rd16(b + 34 + 2 * g);
            const float dl = d * (float)(2 * (int)((h >> 12) & 7) + 1);
            const float delta = (h & 0x8000u) ? -LLML__IQ1_DELTA : LLML__IQ1_DELTA;
            for (k = 0; k < 4; k++) {
                const unsigned idx = b[2 + 4 * g + k] | (((h >> (3 * k)) & 7u) << 8);
                for (j = 0; j < 8; j++) *dst++ = dl * ((float)(LLML__IQ1_LEVEL(idx, j) - 1) + delta);
            }
        }
    }
}

/* The fp16 super-scale of an iq1_m block, from the top nibbles of its
   four scale words. */
static uint16_t llml__iq1_m_d(const uint8_t *b) {
    unsigned bits = 0;
    int w;
    for (w = 0; w < 4; w++) bits |= (unsigned)(llml__rd16(b + 48 + 2 * w) >> 12) << (4 * w);
    return (uint16_t)bits;
}

/* Sub-scale l of group of 16 number s (0..15) of an iq1_m block. */
static int llml__iq1_m_l(const uint8_t *b, int s) {
    return (int)((llml__rd16(b + 48 + 2 * (s / 4)) >> (3 * (s % 4))) & 7);
}

static void llml__dequant_iq1_m(const void *src, float *dst, int64_t n) {
    const uint8_t *b = (const uint8_t *)src;
    const int64_t nb = n / LLML__QK_K;
    int64_t i;
    int o, j;
    for (i = 0; i < nb; i++, b += 56) {
        const float d = llml_fp16_to_fp32(llml__iq1_m_d(b));
        for (o = 0; o < 32; o++) {             /* octets */
            const unsigned nib = (unsigned)(b[32 + o / 2] >> (4 * (o & 1))) & 15u;
            const unsigned idx = b[o] | ((nib & 7u) << 8);
            const float dl = d * (float)(2 * llml__iq1_m_l(b, o / 2) + 1);
            const float delta = (nib & 8u) ? -LLML__IQ1_DELTA : LLML__IQ1_DELTA;
            for (j = 0; j < 8; j++) *dst++ = dl * ((float)(LLML__IQ1_LEVEL(idx, j) - 1) + delta);
        }
    }
}

/* ---- dot products with Q8_K activations ---------------------------------- */

/* Sum of q8[j] * (grid value j) over one octet. */
static int llml__iq1_octet_dot(unsigned idx, const int8_t *q8) {
    const unsigned key = llml__iq1_grid[idx];
    int j, s = 0;
    for (j = 0; j < 8; j++) s += (int)q8[j] * ((int)((key >> (2 * j)) & 3u) - 1);
    return s;
}

static float llml__dot_iq1_s(const void *w, const void *act, int64_t n) {
    const uint8_t *b = (const uint8_t *)w;
    const llml__block_q8_K *a = (const llml__block_q8_K *)act;
    const int64_t nb = n / LLML__QK_K;
    float sum = 0.0f;
    int64_t i;
    int g, k;
    for (i = 0; i < nb; i++, b += 50, a++) {
        int grid_sum = 0, delta_sum = 0;   /* in units of d*a.d and 0.125*d*a.d */
        for (g = 0; g < 8; g++) {
            const unsigned h = llml__rd16(b + 34 + 2 * g);
            const int ls = 2 * (int)((h >> 12) & 7) + 1;
            const int asum = a->bsums[2 * g] + a->bsums[2 * g + 1];
            int s = 0;
            for (k = 0; k < 4; k++)
                s += llml__iq1_octet_dot(b[2 + 4 * g + k] | (((h >> (3 * k)) & 7u) << 8), a->qs + 32 * g + 8 * k);
            grid_sum += ls * s;
            delta_sum += (h & 0x8000u) ? -ls * asum : ls * asum;
        }
        sum += llml_fp16_to_fp32(llml__rd16(b)) * a->d * ((float)grid_sum + LLML__IQ1_DELTA * (float)delta_sum);
    }
    return sum;
}

static float llml__dot_iq1_m(const void *w, const void *act, int64_t n) {
    const uint8_t *b = (const uint8_t *)w;
    const llml__block_q8_K *a = (const llml__block_q8_K *)act;
    const int64_t nb = n / LLML__QK_K;
    float sum = 0.0f;
    int64_t i;
    int o, j;
    for (i = 0; i < nb; i++, b += 56, a++) {
        int grid_sum = 0, delta_sum = 0;
        for (o = 0; o < 32; o++) {
            const unsigned nib = (unsigned)(b[32 + o / 2] >> (4 * (o & 1))) & 15u;
            const int8_t *q8 = a->qs + 8 * o;
            const int ls = 2 * llml__iq1_m_l(b, o / 2) + 1;
            int asum = 0;
            for (j = 0; j < 8; j++) asum += q8[j];
            grid_sum += ls * llml__iq1_octet_dot(b[o] | ((nib & 7u) << 8), q8);
            delta_sum += (nib & 8u) ? -ls * asum : ls * asum;
        }
        sum += llml_fp16_to_fp32(llml__iq1_m_d(b)) * a->d * ((float)grid_sum + LLML__IQ1_DELTA * (float)delta_sum);
    }
    return sum;
}

/* ---- quantization tables ------------------------------------------------ */
/* Built per quantize call: the levels of every grid entry, and a map from
   each of the 3^8 ternary octets (key = sum of level_j * 3^j) to its grid
   index, or, for the 4513 octets off the grid, to a list of the grid
   entries at the 3 smallest distinct distances from it (in order of
   distance, then index). The lists are filled in lazily, the first time an
   octet is met, into storage sized for all of them (LLML__IQ1_NBR_CAP
   entries: 4513 counts + 327721 indices), so small calls stay cheap. */

#define LLML__IQ1_NBR_CAP 332234
#define LLML__IQ1_UNSET INT32_MIN

typedef struct llml__iq1_tabs {
    uint8_t *lv;        /* 2048 x 8 levels                                 */
    int32_t *map;       /* key -> grid index (>= 0), -(1 + list start), or
                           LLML__IQ1_UNSET for a list not yet built        */
    uint16_t *nbr;      /* lists: count, then that many grid indices       */
    size_t nbr_used;    /* entries of nbr filled so far                    */
    uint8_t *scratch;   /* half_d2[81*81] | glo[2048] | ghi[2048] | dist[2048]:
                           squared distances between half-octets (4 levels,
                           81 of them), each grid entry's two half-octet
                           codes, and one octet's distances to the grid    */
} llml__iq1_tabs;

#define LLML__IQ1_SCRATCH (81 * 81 + 3 * LLML__IQ1_NGRID)

static void llml__iq1_tabs_free(llml__iq1_tabs *t) {
    llml__free(NULL, t->lv, LLML__IQ1_NGRID * 8);
    llml__free(NULL, t->map, LLML__IQ1_NKEYS * sizeof(int32_t));
    llml__free(NULL, t->nbr, LLML__IQ1_NBR_CAP * sizeof(uint16_t));
    llml__free(NULL, t->scratch, LLML__IQ1_SCRATCH);
    t->lv = NULL; t->map = NULL; t->nbr = NULL; t->scratch = NULL;
}

static int llml__iq1_key(const int8_t *L) {
    int j, key = 0;
    for (j = 7; j >= 0; j--) key = 3 * key + L[j];
    return key;
}

static llml_result llml__iq1_tabs_init(llml__iq1_tabs *t) {
    uint8_t *half_d2, *glo, *ghi;
    int i, j, key;
    t->nbr_used = 0;
    t->lv = LLML__CAST(uint8_t *, llml__alloc(NULL, LLML__IQ1_NGRID * 8, 16));
    t->map = LLML__CAST(int32_t *, llml__alloc(NULL, LLML__IQ1_NKEYS * sizeof(int32_t), 16));
    t->nbr = LLML__CAST(uint16_t *, llml__alloc(NULL, LLML__IQ1_NBR_CAP * sizeof(uint16_t), 16));
    t->scratch = LLML__CAST(uint8_t *, llml__alloc(NULL, LLML__IQ1_SCRATCH, 16));
    if (!t->lv || !t->map || !t->nbr || !t->scratch) {
        llml__iq1_tabs_free(t);
        return LLML_ERR_OUT_OF_MEMORY;
    }
    half_d2 = t->scratch; glo = half_d2 + 81 * 81; ghi = glo + LLML__IQ1_NGRID;
    for (i = 0; i < 81; i++)
        for (j = 0; j < 81; j++) {
            int a = i, b = j, k, d2 = 0;
            for (k = 0; k < 4; k++, a /= 3, b /= 3) d2 += (a % 3 - b % 3) * (a % 3 - b % 3);
            half_d2[81 * i + j] = (uint8_t)d2;
        }
    for (key = 0; key < LLML__IQ1_NKEYS; key++) t->map[key] = LLML__IQ1_UNSET;
    for (i = 0; i < LLML__IQ1_NGRID; i++) {
        int8_t L[8];
        for (j = 0; j < 8; j++) L[j] = (int8_t)(t->lv[8 * i + j] = (uint8_t)LLML__IQ1_LEVEL(i, j));
        key = llml__iq1_key(L);
        t->map[key] = i;
        glo[i] = (uint8_t)(key % 81);
        ghi[i] = (uint8_t)(key / 81);
    }
    return LLML_OK;
}

/* Neighbour list of the off-grid octet `key` (count, then indices), built
   on first use. NULL only if the storage ran out (it cannot: it is sized
   for every list). */
static const uint16_t *llml__iq1_list(llml__iq1_tabs *t, int key) {
    const uint8_t *half_d2 = t->scratch, *glo = half_d2 + 81 * 81, *ghi = glo + LLML__IQ1_NGRID;
    const uint8_t *row_lo = half_d2 + 81 * (key % 81), *row_hi = half_d2 + 81 * (key / 81);
    uint8_t *dist = t->scratch + 81 * 81 + 2 * LLML__IQ1_NGRID;
    uint16_t *out;
    int hist[33], th[3], pos[3], j, m, cnt = 0;
    if (t->map[key] != LLML__IQ1_UNSET) return t->nbr + (-t->map[key] - 1);
    memset(hist, 0, sizeof hist);
    for (j = 0; j < LLML__IQ1_NGRID; j++) {
        const int d2 = row_lo[glo[j]] + row_hi[ghi[j]];
        dist[j] = (uint8_t)d2;
        hist[d2]++;
    }
    for (m = 0, j = 0; j <= 32 && m < 3; j++)
        if (hist[j]) { th[m] = j; pos[m] = cnt; cnt += hist[j]; m++; }
    for (; m < 3; m++) { th[m] = -1; pos[m] = cnt; }
    if (t->nbr_used + 1 + (size_t)cnt > LLML__IQ1_NBR_CAP) return NULL;
    out = t->nbr + t->nbr_used + 1;
    for (j = 0; j < LLML__IQ1_NGRID; j++) {
        const int d2 = dist[j];
        for (m = 0; m < 3; m++)
            if (d2 == th[m]) { out[pos[m]++] = (uint16_t)j; break; }
    }
    out[-1] = (uint16_t)cnt;
    t->map[key] = -(int32_t)(t->nbr_used + 1);
    t->nbr_used += 1 + (size_t)cnt;
    return out - 1;
}

/* ---- quantization -------------------------------------------------------- */

/* Grid index for the levels L of one octet. An off-grid octet becomes the
   neighbour closest to xv (weights w) when coded with values vals[level] at
   `scale`; L then receives that neighbour's levels and *on is cleared. */
static int llml__iq1_snap(llml__iq1_tabs *t, const float *xv, const float *w, float scale,
                          const float *vals, int8_t *L, int *on) {
    const int key = llml__iq1_key(L);
    const uint16_t *list;
    float best_d2 = FLT_MAX;
    int best = -1, j, i, pass;
    if (t->map[key] >= 0) return t->map[key];
    *on = 0;
    list = llml__iq1_list(t, key);
    /* first the neighbour list; the whole grid only if no neighbour scored
       (non-finite data) */
    for (pass = list ? 0 : 1; pass < 2 && best < 0; pass++) {
        const int cnt = pass ? LLML__IQ1_NGRID : (int)list[0];
        for (j = 0; j < cnt; j++) {
            const int g = pass ? j : (int)list[1 + j];
            const uint8_t *lv = t->lv + 8 * g;
            float d2 = 0.0f;
            for (i = 0; i < 8; i++) {
                const float diff = scale * vals[lv[i]] - xv[i];
                d2 += w[i] * diff * diff;
            }
            if (d2 < best_d2) { best_d2 = d2; best = g; }
        }
    }
    if (best < 0) best = list ? list[1] : t->map[LLML__IQ1_ZERO_KEY];
    for (i = 0; i < 8; i++) L[i] = (int8_t)t->lv[8 * best + i];
    return best;
}

/* Weights of n values: importance (qw) times sqrt(sigma2 + x^2); without
   importance data, sqrt(sigma2 + x^2) alone (as for a constant imatrix). */
static void llml__iq1_weights(const float *x, const float *qw, float sigma2, int n, float *w) {
    int i;
    for (i = 0; i < n; i++) w[i] = qw ? qw[i] * sqrtf(sigma2 + x[i] * x[i]) : sqrtf(sigma2 + x[i] * x[i]);
}

/* Sort the n values of x ascending into order (indices); insertion sort,
   stable, harmless with NaNs. */
static void llml__iq1_sort(const float *x, int n, int *order) {
    int i, j;
    for (i = 0; i < n; i++) {
        const int v = i;
        for (j = i; j > 0 && x[order[j - 1]] > x[v]; j--) order[j] = order[j - 1];
        order[j] = v;
    }
}

/* The three values of a level (0, 1, 2) with delta sign sg (0: +, 1: -). */
static void llml__iq1_vals(int sg, float *v) {
    const float delta = sg ? -LLML__IQ1_DELTA : LLML__IQ1_DELTA;
    v[0] = -1 + delta; v[1] = delta; v[2] = 1 + delta;
}

/* Exact weighted least squares of a group of n (16 or 32) values x with
   weights w: levels L (0..2) and scale. The sorted values are split into
   three runs (levels 0, 1, 2); each half of nh values (nh = n for one
   delta sign for the whole group, n/2 for a sign per half) takes its own
   delta sign. Returns the sign pattern (bit h set: half h uses -delta),
   or -1 when no split has a positive fit. */
static int llml__iq1_fit_group(const float *x, const float *w, int n, int nh, int8_t *L, float *scale) {
    int order[32], i1, i2, j, h, pat;
    const int nhalf = n / nh, npat = 1 << nhalf;
    float cx[2][33], cw[2][33];   /* per half: prefix sums of w*x and w over the sorted order */
    float vp[3], vm[3];
    float best = -FLT_MAX, best_scale = 0.0f;
    int best_i1 = -1, best_i2 = -1, best_pat = -1;
    llml__iq1_vals(0, vp);
    llml__iq1_vals(1, vm);
    llml__iq1_sort(x, n, order);
    for (h = 0; h < 2; h++) cx[h][0] = cw[h][0] = 0.0f;
    for (j = 0; j < n; j++) {
        const int i = order[j], hi = i / nh;
        for (h = 0; h < nhalf; h++) {
            cx[h][j + 1] = cx[h][j] + (h == hi ? w[i] * x[i] : 0.0f);
            cw[h][j + 1] = cw[h][j] + (h == hi ? w[i] : 0.0f);
        }
    }
    for (i1 = 0; i1 <= n; i1++) {
        for (i2 = i1; i2 <= n; i2++) {
            float qx[2][2], q2[2][2];   /* [half][sign] */
            for (h = 0; h < nhalf; h++) {
                const float x0 = cx[h][i1], x1 = cx[h][i2] - cx[h][i1], x2 = cx[h][n] - cx[h][i2];
                const float w0 = cw[h][i1], w1 = cw[h][i2] - cw[h][i1], w2 = cw[h][n] - cw[h][i2];
                qx[h][0] = x0 * vp[0] + x1 * vp[1] + x2 * vp[2];
                q2[h][0] = w0 * vp[0] * vp[0] + w1 * vp[1] * vp[1] + w2 * vp[2] * vp[2];
                qx[h][1] = x0 * vm[0] + x1 * vm[1] + x2 * vm[2];
                q2[h][1] = w0 * vm[0] * vm[0] + w1 * vm[1] * vm[1] + w2 * vm[2] * vm[2];
            }
            for (pat = 0; pat < npat; pat++) {
                float sqx = 0.0f, sq2 = 0.0f;
                for (h = 0; h < nhalf; h++) { sqx += qx[h][(pat >> h) & 1]; sq2 += q2[h][(pat >> h) & 1]; }
                if (sq2 > 0 && sqx * sqx > best * sq2) {
                    best_scale = sqx / sq2; best = best_scale * sqx;
                    best_i1 = i1; best_i2 = i2; best_pat = pat;
                }
            }
        }
    }
    if (best_pat < 0) return -1;
    for (j = 0; j < n; j++) L[order[j]] = (int8_t)(j < best_i1 ? 0 : j < best_i2 ? 1 : 2);
    if (best_scale < 0) {   /* negate: mirror the levels and the delta signs */
        for (j = 0; j < n; j++) L[j] = (int8_t)(2 - L[j]);
        best_scale = -best_scale;
        best_pat ^= npat - 1;
    }
    *scale = best_scale;
    return best_pat;
}

/* Code a group of n values (n/8 octets) after fit_group: snap each octet to
   the grid (index to idx), refit the scale if any octet moved. sg[k]: delta
   sign of octet k. */
static void llml__iq1_code_group(llml__iq1_tabs *t, const float *x, const float *w, int n,
                                 const int *sg, int8_t *L, float *scale, uint16_t *idx) {
    float vals[2][3];
    int k, on = 1;
    llml__iq1_vals(0, vals[0]);
    llml__iq1_vals(1, vals[1]);
    for (k = 0; k < n / 8; k++)
        idx[k] = (uint16_t)llml__iq1_snap(t, x + 8 * k, w + 8 * k, *scale, vals[sg[k]], L + 8 * k, &on);
    if (!on) {
        float sqx = 0.0f, sq2 = 0.0f;
        int i;
        for (i = 0; i < n; i++) {
            const float q = vals[sg[i / 8]][L[i]];
            sqx += w[i] * q * x[i];
            sq2 += w[i] * q * q;
        }
        if (sqx > 0 && sq2 > 0) *scale = sqx / sq2;
    }
}

/* Sub-scale l (0..7) for a group scale, at inverse super-scale id. */
static int llml__iq1_level(float id, float scale) {
    const int l = llml__nearest_int(0.5f * (id * scale - 1));
    return LLML__MAX(0, LLML__MIN(7, l));
}

static void llml__iq1_s_block(llml__iq1_tabs *t, const float *x, const float *qw, uint8_t *out) {
    float scales[8], w[32], sumx2 = 0.0f, sigma2, max_scale = 0.0f, d, id;
    int shifts[8], g, i, k;
    memset(out, 0, 50);
    for (i = 0; i < LLML__QK_K; i++) sumx2 += x[i] * x[i];
    sigma2 = 2 * sumx2 / LLML__QK_K;
    for (g = 0; g < 8; g++) {
        const float *xg = x + 32 * g;
        float amax = 0.0f, scale = 0.0f;
        int8_t L[32];
        uint16_t idx[4];
        int sg[4], pat = -1;
        unsigned h = 0;
        llml__iq1_weights(xg, qw ? qw + 32 * g : NULL, sigma2, 32, w);
        for (i = 0; i < 32; i++) amax = LLML__MAX(amax, fabsf(xg[i]));
        if (amax >= 1e-12f) pat = llml__iq1_fit_group(xg, w, 32, 32, L, &scale);
        if (pat < 0) {   /* nothing to code: the zero octet, scale 0 */
            for (k = 0; k < 4; k++) idx[k] = (uint16_t)t->map[LLML__IQ1_ZERO_KEY];
            scale = 0.0f; pat = 0;
        } else {
            for (k = 0; k < 4; k++) sg[k] = pat;
            llml__iq1_code_group(t, xg, w, 32, sg, L, &scale, idx);
        }
        for (k = 0; k < 4; k++) {
            out[2 + 4 * g + k] = (uint8_t)(idx[k] & 255);
            h |= (unsigned)(idx[k] >> 8) << (3 * k);
        }
        llml__wr16(out + 34 + 2 * g, (uint16_t)h);
        scales[g] = scale;
        shifts[g] = pat;
        max_scale = LLML__MAX(max_scale, scale);
    }
    if (!(max_scale > 0)) return;   /* d = 0: the block decodes to zeros */
    d = max_scale / 15;
    llml__wr16(out, llml_fp32_to_fp16(d * 1.125f));   /* the reference's scale-up */
    id = 1 / d;
    for (g = 0; g < 8; g++) {
        const unsigned h = llml__rd16(out + 34 + 2 * g) | ((unsigned)llml__iq1_level(id, scales[g]) << 12) |
                           (shifts[g] ? 0x8000u : 0u);
        llml__wr16(out + 34 + 2 * g, (uint16_t)h);
    }
}

static void llml__iq1_m_block(llml__iq1_tabs *t, const float *x, const float *qw, uint8_t *out) {
    float scales[16], w[LLML__QK_K], vals[2][3], sumx2 = 0.0f, sigma2, max_scale = 0.0f, d, id;
    float sqx = 0.0f, sq2 = 0.0f;
    int shifts[16], g, i, k;
    uint16_t sc[4] = { 0, 0, 0, 0 }, dbits;
    memset(out, 0, 56);
    for (i = 0; i < LLML__QK_K; i++) sumx2 += x[i] * x[i];
    sigma2 = 2 * sumx2 / LLML__QK_K;
    llml__iq1_weights(x, qw, sigma2, LLML__QK_K, w);
    for (g = 0; g < 16; g++) {
        const float *xg = x + 16 * g, *wg = w + 16 * g;
        float amax = 0.0f, scale = 0.0f;
        int8_t L[16];
        uint16_t idx[2];
        int sg[2], pat = -1;
        for (i = 0; i < 16; i++) amax = LLML__MAX(amax, fabsf(xg[i]));
        if (amax >= 1e-7f) pat = llml__iq1_fit_group(xg, wg, 16, 8, L, &scale);
        if (pat < 0) {
            idx[0] = idx[1] = (uint16_t)t->map[LLML__IQ1_ZERO_KEY];
            scale = 0.0f; pat = 0;
        } else {
            sg[0] = pat & 1; sg[1] = pat >> 1;
            llml__iq1_code_group(t, xg, wg, 16, sg, L, &scale, idx);
        }
        out[2 * g] = (uint8_t)(idx[0] & 255);
        out[2 * g + 1] = (uint8_t)(idx[1] & 255);
        out[32 + g] = (uint8_t)((idx[0] >> 8) | ((idx[1] >> 8) << 4));
        scales[g] = scale;
        shifts[g] = pat;
        max_scale = LLML__MAX(max_scale, scale);
    }
    if (!(max_scale > 0)) return;   /* scale words 0: d = 0 */
    d = max_scale / 15;
    id = 1 / d;
    llml__iq1_vals(0, vals[0]);
    llml__iq1_vals(1, vals[1]);
    for (g = 0; g < 16; g++) {
        const int l = llml__iq1_level(id, scales[g]);
        sc[g / 4] = (uint16_t)(sc[g / 4] | (l << (3 * (g % 4))));
        out[32 + g] = (uint8_t)(out[32 + g] | ((shifts[g] & 1) ? 0x08 : 0) | ((shifts[g] & 2) ? 0x80 : 0));
        /* refit the super-scale to the coded values */
        for (k = 0; k < 2; k++) {
            const unsigned gi = out[2 * g + k] | ((unsigned)((out[32 + g] >> (4 * k)) & 7) << 8);
            const float *v = vals[(shifts[g] >> k) & 1];
            for (i = 0; i < 8; i++) {
                const int e = 16 * g + 8 * k + i;
                const float q = v[LLML__IQ1_LEVEL(gi, i)] * (float)(2 * l + 1);
                sqx += w[e] * q * x[e];
                sq2 += w[e] * q * q;
            }
        }
    }
    if (sq2 > 0 && sqx > 0) d = sqx / sq2;
    dbits = llml_fp32_to_fp16(d * 1.1125f);   /* the reference's scale-up */
    for (k = 0; k < 4; k++) llml__wr16(out + 48 + 2 * k, (uint16_t)(sc[k] | (((dbits >> (4 * k)) & 15u) << 12)));
}

static llml_result llml__iq1_quant(int m, const float *src, void *dst, int64_t nrows, int64_t n_per_row,
                                   const float *imatrix) {
    llml__iq1_tabs t;
    const int64_t nb = n_per_row / LLML__QK_K;
    const size_t bytes = m ? 56 : 50;
    uint8_t *out = (uint8_t *)dst;
    int64_t r, b;
    llml_result res = llml__iq1_tabs_init(&t);
    if (res != LLML_OK) return res;
    for (r = 0; r < nrows; r++) {
        const float *x = src + r * n_per_row;
        for (b = 0; b < nb; b++, out += bytes) {
            const float *qw = imatrix ? imatrix + b * LLML__QK_K : NULL;
            if (m) llml__iq1_m_block(&t, x + b * LLML__QK_K, qw, out);
            else llml__iq1_s_block(&t, x + b * LLML__QK_K, qw, out);
        }
    }
    llml__iq1_tabs_free(&t);
    return LLML_OK;
}

static llml_result llml__quant_iq1_s(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq1_quant(0, src, dst, nrows, n_per_row, imatrix);
}

static llml_result llml__quant_iq1_m(const float *src, void *dst, int64_t nrows, int64_t n_per_row, const float *imatrix) {
    return llml__iq1_quant(1, src, dst, nrows, n_per_row, imatrix);
}
