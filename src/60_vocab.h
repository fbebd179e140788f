
/* ------------------------------------------------------------------------ */
/* >>vocab  tokenizers: SPM, byte-level BPE + pre-tokenizers, WordPiece      */
/* ------------------------------------------------------------------------ */
/* Token-for-token compatible with the reference (llama.cpp's llama-vocab.cpp
   and unicode.cpp): the same special-token partition, the same pre-tokenizer
   splits (hand-written matchers here, one per regex of the reference's
   lists), the same merge order. Unicode data (general categories, White_Space,
   simple lower case, first code point of the canonical decomposition) is
   Unicode 15.1, stored below as compact base-64 varint streams that
   llml_vocab_load decodes into the vocab. */

#define LLML__VOCAB_MAX_TEXT 0x10000000u  /* 256 MiB per call */

/* category codes of the decoded tables */
#define LLML__UC_UNDEF  0
#define LLML__UC_NUMBER 1
#define LLML__UC_LETTER 2
#define LLML__UC_SEPAR  3
#define LLML__UC_MARK   4
#define LLML__UC_PUNCT  5
#define LLML__UC_SYMBOL 6
#define LLML__UC_CTRL   7
/* flag byte = category | WS | VALID; 0 means "outside the chunk" */
#define LLML__UF_WS     8
#define LLML__UF_VALID  16

/* general category ranges */
#define LLML__VOCAB_UNI_CAT_COUNT 2272
static const char *const llml__vocab_uni_cat[] = {
    "HjINeN2BNhB1CWdS1GeNOK1GONOPrINOtBOSNOPOhBWKNWJKNJdK+FK+HK2yDiBmDyDuB6BOKOsEicuBKQSlBKImBSNKYKIK"
    "gFK+UK+iBM6BwpBKwJSNyBtKQWYMtLMNMVMVMIiC4GiBlBQ/C2BdWNWU9CPNa8KpF1CiBUK9YKM/BOMyBUWMiBRyCeSNwDPK"
    "MK0H4GSsW6CIxDyCsIqCWNaIUOS0FiBMqCMaMoBV4DKsGYVIK4CqBmGKwBPQ0BiC0KnGMqI0NaMyEM6B0CVR1CKkEYKgCSQS"
    "wFK4BKIagBUKM4BUQUaIkCIiBQKcQRyCWR2BSNMIUYKwBiBQSwFK4BKQKQKQUIMoBkBQUYcI6BgBKI5B0CScNI0CYKoCKYKw"
    "FK4BKQKoBUKMgCMYMYSI6DUQR1COI6BMwBMYKgCSQSwFK4BKQKoBUKM4BUQUY8BYiBQKcQR2CKJwB0CKIKwBaYKgBaQKIKQa"
    "QaYagDkBoBcYMgBSI0BIxDuDgCsBqBgCKYK4FKgEUKM4BMYMgB8BQKYSISUQRwC9BJ+BKMdKgCKYK4FKwCKoBUKM4BMYMgB8"
    "BQyBQKUQRwCKUIkDiBoCKYKsKSM4BMYMiBOIiBcJ6BcQR+EKwBMYKwEagGKoCKIS4BcIkBwBMIMgCxBwCUVIiDkMKU4BmBK8"
    "BlCJ1CQqJQKIKoBKgGKIK0CKUqCISoBKIM4BJwCSgBiIOd+DNOcWxBmFMOMOMNkBSgCKgJkBlFMSsB4CMgJOkCOwBOVuBlBQ"
    "qJ8KiFJ1CyB0BiBkBaMaU6BciBsDiDMJ0CmBSwJKIqBIS9KKozCKgBS4BKIKgBSoKKgBSoIKgBS4BKIKgBS4DKoOKgBS4QUd"
    "pCgFamEwCyBwVSwBVKm7ENKrEK1GQa9SZagC6B0EgBqC8EdQqC0EQiDoDKYMQiDkNlIaNeKMIRwCxBwC1B8CfMJwCyBoW6Bs"
    "BS0IKIqBwRyC4HMgDkBgDmBIdRyCwHSoB6CgLiBwGxB4CeyI8FoBVSsNwCMoHUJwCxBwC1B6BNwBU4HsMqB8LqEgCZ1C+B0C"
    "uCtCQMa0HqDRyCkLwDlCiBkJgFdpBwCaZyClJSoC6B4KSdgCkCdMqFkBK0BKUaIqBkwBiQwlCSwBSwJSwBSgCKIKIKIK4HSo"
    "NK+BKOaYK+BagBSwBOauDYSYK+BQL/CtBjGXrBNmFNuDNjDPoBPxCKIR2BdSJ2CdQKoDeoI8DoI+DSOiBOS2CKOauByBOKOK"
    "OKmBK+CSmBqBuBiBOJ6MRuBQmBl+CmBtHWg/BuG4CpFmPxT2Fl6ExD2HtMW9H2C9kD2F9PmBlIWw9CWgIOqau5ByBkBaQtBh"
    "BNSwJKIqBISgO6BNI0DK4FqC4BK4BK4BK4BK4BK4BK4BK4BMlI6LNmIVgD2IwGOoWmDw1B2GjENeKRN2CVmDJsC1BKuBRaVO"
    "QKwVUWSdK1WKgBqB4KKwXORmByCmIgJ+CKmE4HJ2CxHmCJ+DhI2C5J+DiwCmwzBiQojtFe4NqC1LStjCahEyCQiF8LlBM1CK"
    "8HSxR0CVwBmC6FuCS+ZSgQqBQKIKoBiGkEKcKkBK8FuBkBIZ2BgByBlNgBkCS0MwElCRwC0ByE1BaNKUJyCkHlCS8FoD9CKo"
    "HciB8L1DoDKJwClBSsBKxCyCoBKsKwDqCcKkCQRwCViB+FaMa0MKMaUSsBSMKIiGdS8CtBScQyCwBSwBSwBqC4BK4BK+KK2D"
    "QiB8clCMQRwCyBgp3CiD4FiBoMnBigiCw7CSwayJ4BiDoBqBMK2CKoDKoBKIKQKQKmboEiE96CWiEgQSwN+BIiImDkBlEwC0"
    "BlE4IN2DNOYNONQiBoBK4hBXINeN2BNhB1CWdS1GeNOK1GONON6BoWawBSwBSwBSYe4BO4B3CeQSgDKwGK4EKQK4DSwDyI4e"
    "tBYhBoLepCuOpEWYOoDeI+LsLIygBoHaoM8DJ4GiBhIgBqChFKhCIqB0JoBqBwHNKgJiBlCJoByKwnBRwCyBgJiBgJiBgKiC"
    "gN9CK4CK4DK4BKQK4CK4DK4BKQ6Q4tCqCwFyCgCiGwBKwKKoCqRwBSIKgLKQaIS4FNJiC+FR6B4HhCoCiM4EKQpBqBxFwBdK"
    "wGtBIiQgOhBSRgERyLMYMQsBiBgBKYKoHUYkBJoC9BoC6BpHVKpHYiImCKkHQhBtB4BqCwNd6BwFRiC4EpBiCwE9BgBhD4Bi"
    "UoS6N4MqD4M5ByBkJgBhCwCxpC4HKwKMVISQ8SapHyCIiC0F5ClBoByF0ElBgByJpF4BiF4FsCasN9D4BhB0HKUSIsCiBsL9"
    "CXNkBI3CISoG5BwC0BakJwDJ1CiBMSIiC8INSIsCakMyDlBkBlBMRyCNKNYJgF6CwEKsGlD0BKUIyP4BKIKgBK4DK1CIyB8L"
    "gDpBwC0BgBKgCSQSwFK4BKQKoBMSM4BUQUYSI0BIqBsBQU4BcoB6iBsNyElBpB1CQNMKYyHkMiFVKIhCwCypB8L4BUtC6FkB"
    "QyIkMtEaI5CwC1BoD6E8KqDNIxBwCyN4GU4DhBlDeK4BquBkL9DIiZhQ4EiDgCSISgCKQKkGwBMQUiBMKMVYpCwCyRgCS8J4"
    "BU6BNKMI6GMyCkK6BMlBkCIiCM6C0LlEaNoBqDoS9BwCy9BoCKsJgCMiCNoBxCoHdSwHUwFMwDqS4BKQK0JwBcIMQM6BMIhC"
    "wCyBwBKQKkIoBMQMqBI5BwCytC8ElBQ8BSMKoDK0I4BctBpDwCyVI5DuFoHtDKwmHxZ4bNoB6CgxBizUtYQqDnsIkEK0B4Dy"
    "qf4xEqujCouE6B4HJwClBS4TJwCyBwHUtBIyCkM9BuBiBlBOIxCwCJ4BKoFqB4EisFhQ9FgBqZ4SkBKM4N8BiBoDiQVKMI8C"
    "QyDg+vBiCw1JyKoC65lCgBK4BKQK4oC6DIqHYSIyDgBiCgjDihS4aqBoDaoC6BwCWMVPgBk3kBwLU4FuCgdmPw9B2C4JWkPu"
    "Bc3BkCmCU+B0HmBoPuF0QeIxegFhDgFmD4VpCoG6hBoVK4RKQSISQSgBKgDKIK4BKoQKgBSgCK4BKgHKgBKoBKIa4BKg1CSu"
    "GKuGK+HKuGK+HKuGK+HKuGK+HKuGKgCR2MkgE+NkB2MkCO0DOVoB8DoBM4Di0I4HyBwBs1B4BMoEU4BMQMoBqBwPsIIicoLc"
    "6B4BRwCiBOIiwC0HIqEkLhBwCuBIi0DkHhBwCy5F4BKgBKQK4DKoxBRsC4BqKkR6BIhBwClBQpkG+OJeJgBhTuLJ4DywBgBK"
    "4GKQKISIKwCKgBKIKIyBIiBIKIKIKYKQKISIKIKIKIKIKQKISgBK4BKgBKgBKIKwCKoEqBYKoBKoEmNQ2jCgLmBgZmD4DW4D"
    "O4DOoJxCuDooBmOoHuDgLmBoC+BQ2DwB2mBg2HmBoEeoDe4dmB4X2BgDmBI+DgDmBgOmCwC2BgKmCwHWQ2Tg1CmDwDWoDeoC"
    "+BwLO4BmCwDmBoC+BoC+B4kBO4NpJwCyhIg4tKiIwugByBw3BSwgtByDos6B6Dw7EyoTwnEy4L4ymBqBg4gBv04tFI3HgYkg"
    "Bg8Bnk8Pw//PXw//P",
    NULL
};
/* simple lowercase mapping runs */
#define LLML__VOCAB_UNI_LOWER_COUNT 182
static const char *const llml__vocab_uni_lower[] = {
    "hCZAgC/DWAgCYGAgCoBXBCwBAAtMCCBCHHBCRWBCuBAAxHBCBCIAAkNBBBCEAA8MBAACCBA6MCAACDAA+EBAA0MBAA2MBAAC"
    "CAA6MBAA+MCAAmNBAAiNBAACEAAmNBAAqNCAAsNBCBCGAA0NBAACCAA0NDAACCAA0NBAACCBAyNCBBCEAA2NBAACEAACIAAE"
    "BAACCAAEBAACCAAEBIBCTIBCTAAEBBBCEAAhGBAAvDBTBCoBAAjICIBCYAA2iVBAACCAAlKBAAwiVDAACCAAlMBAAqEBAAuE"
    "BEBCqJBBCGAACJAAoHHAAsCCCAqCEAAgECBA+DDQAgCSIAgCsBAAQJLBCcAA3DDAACCAANBAACDCAjIDPAgFQfAgCwCQBCqB"
    "aBC2BAAeBGBCPvBBChDlBAgDv7ClBAgmOnBAAgmOGAAgmOzWvCAg9rCwCFAQglCqBA/7FtBCA/7FjKqCBC+EAA97OCvBBCoD"
    "HAPQFAPQHAPQHAPQFAPRDBPPHAPgBHAPQHAPQHAPQBAPCBAzECAARMDArFEAARMBAPCBAnGOBAPCBA/GCAANMBA/HCBA7HCA"
    "ARqJAA51OEAA9rQBAArkQHAA4BuBPAgBjBAACzZZA0Bq6BvBAgDgDAACCAAt/UBAAruHBAAt+UDCBCGAA3hVBAA5/UBAA9hV"
    "BAA7hVCAACDAACJBA9jVCxBBCrDBBCHAACuqeWBCgCNBCiFGBCQeBCnCBBCEAAnglCBEBCNAACCAAvyyCDBBCGJBCUAAn0yC"
    "BAA90yCBAA10yCBAAh0yCBAAn0yCCAAjxyCBAAzyyCBAApxyCBAAg6BBHBCQAA/CBAAl0yCBAAvjlCBBBCJAACGBBCfAACs5"
    "VZAgC/mBnBAwCwFjBAwCgGKAuCMOAuCQGAuCIBAuCs3ByBAgEghDfAgCgtVfAgCg2ehBAkC",
    NULL
};
/* first code point of the canonical decomposition */
#define LLML__VOCAB_UNI_NFD_COUNT 1827
static const char *const llml__vocab_uni_nfd[] = {
    "gGF9HHAnIBDlIEDlIFAlIBElIHDnIEAnIDF9HHAnIBDlIEDlIFAlIBElIHDnIEAnICArIBA9LBA/JBAhMBAjKBAlMBAnKBAl"
    "MBAnKBApMBArKBAtMBAvKBAxMBAzKBAzMBA1KDA5MBA7KBA9MBA/KBAhNBAjLBAlNBAnLBApNBArLBApNBArLBAtNBAvLBAx"
    "NBAzLBA1NBA3LBA3NBA5LDA9NBA/LBAhOBAjMBAlOBAnMBApOBArMBAtOEAzOBA1MBA1OBA3MCA5OBA7MBA9OBA/MBAhPBAj"
    "NFApPBArNBAtPBAvNBAxPBAzNEA5PBA7NBA9PBA/NBAhQBAjODAjQBAlOBAnQBApOBArQBAtOBAtQBAvOBAxQBAzOBA1QBA3"
    "OBA5QBA7OBA7QBA9OBA/QBAhPDAlRBAnPBApRBArPBAtRBAvPBAxRBAzPBA1RBA3PBA5RBA7PBA5RBA7PBA5RBA7PBA9RBA9"
    "RBA/PBAhSBAjQBAlSBAnQiBAhVBAjTOAzVBA1TdA3YBA5WBArYBAtWBAjYBAlWBA7XBA9VBA/XBAhWBAjYBAlWBAnYBApWBA"
    "rYBAtWCA5ZBA7XBA9ZBA/XBA3RBA5PDA9ZBA/XBA5ZBA7XBA1ZBA3XBA5ZBA7XBAtDBAmKBArYEA5aBA7YDAzaBA1YBAxbBA"
    "zZBArTBAtRBArSBAtQBA9bBA/ZBAhcBAjaBA9bBA/ZBAhcBAjaBA9bBA/ZBAhcBAjaBA5bBA7ZBA9bBA/ZBA7bBA9ZBA/bBA"
    "haBA9bBA/ZBAhcBAjaBApcBAraBArcBAtaDArdBAtbHApeBArcBAleBAncBA1dBA3bBA5dBA7bBA9dBA/bBAheBAjcBAxdBA"
    "zbtIA/DBA/DCA/CBA3DwBA1LKAl0BHA5tBBAWBA/sBBAaBAcBAeCAmBCAuBBA0BBAyCaAhBBALBAKBAQBASBAUBAqBaAhBBA"
    "LBAZBAPBAJFBBtBBqBDAgBEABFAcBAWBAqBLABgBABXB1BDA/BEABFAjCBApCBA1BYADBADqCA1KBA3IOA/LBAhKBAjMBAlK"
    "DAhMBAjKDADBADBArMBAtKBAtMBAvKDAzMBA1KBA3MBA5KBAvMBAxKDADBADBA9LBA/JBA1MBA3KBA5MBA7KBA9MBA/KBA5M"
    "BA7KDA5MBA7KpJBKCAoCBAEBAoC6EAqBCABRAB2SABIABDABkBAlEBAlEBAlEBA9DBA1DBA1DBAlDBA/CsDBHRA1DBA1DCA/"
    "C0CABDAEjBAlEBAlEBA9DDAlDqHABDBHRA1DBA1D3BAD2BAHBAHBAL8DAD4DABHBBDBHgEAHBAHBALuEABCCFnLABKABFABF"
    "ABFABNAxCKADCAHBA4DCA2DJAfSABKABFABFABFABNAxCtDABg3CABCABCABCABCABEABpBABCABDADBADCAB9VA97OBA/5O"
    "BA/7OBAh6OBAj8OBAl6OBAn8OBAp6OBAp8OBAr6OBAr8OBAt6OBAv8OBAx6OBAz8OBA16OBA38OBA56OBA78OBA96OBA98OB"
    "A/6OBAh9OBAj7OBAl9OBAn7OBAp9OBAr7OBAt9OBAv7OBAv9OBAx7OBAx9OBAz7OBAz9OBA17OBA39OBA57OBA79OBA97OBA"
    "/9OBAh8OBAj+OBAl8OBAl+OBAn8OBAp+OBAr8OBAp+OBAr8OBAt+OBAv8OBAx+OBAz8OBAz+OBA18OBA3+OBA58OBA7+OBA9"
    "8OBA/+OBAh9OBAh/OBAj9OBAl/OBAn9OBAp/OBAr9OBAr/OBAt9OBAv/OBAx9OBAz/OBA19OBA3/OBA59OBA5/OBA79OBA9/"
    "OBA/9OBAhgPBAj+OBAlgPBAn+OBAngPBAp+OBArgPBAt+OBArgPBAt+OBAvgPBAx+OBAzgPBA1+OBA3gPBA5+OBA5gPBA7+O"
    "BA9gPBA/+OBAhhPBAj/OBAlhPBAn/OBAphPBAr/OBArhPBAt/OBAvhPBAx/OBAzhPBA1/OBA3hPBA5/OBA5hPBA7/OBA9hPB"
    "A//OBAhiPBAjgPBAliPBAngPBApiPBArgPBAriPBAtgPBAviPBAxgPBAxiPBAzgPBA1iPBA3gPBA5iPBA7gPBA9iPBA/gPBA"
    "hjPBAjhPBAjjPBAlhPBAnjPBAphPBApjPBArhPBArjPBAthPBAvjPBAxhPBAzjPBA1hPBA7iPBAliPBAhiPBA/hPCA3xOFA9"
    "lPBA/jPBAhmPBAjkPBAlmPBAnkPBApmPBArkPBAtmPBAvkPBAxmPBAzkPBA1mPBA3kPBA5mPBA7kPBA9mPBA/kPBAhnPBAjl"
    "PBAlnPBAnlPBApnPBArlPBAlnPBAnlPBApnPBArlPBAtnPBAvlPBAxnPBAzlPBA1nPBA3lPBA5nPBA7lPBA9nPBA/lPBAhoP"
    "BAjmPBA9nPBA/lPBAhoPBAjmPBA5nPBA7lPBA9nPBA/lPBAhoPBAjmPBAloPBAnmPBApoPBArmPBAtoPBAvmPBAxoPBAzmPB"
    "A1oPBA3mPBA5oPBA7mPBA9oPBA/mPBAhpPBAjnPBAlpPBAnnPBA9oPBA/mPBAhpPBAjnPBAlpPBAnnPBAppPBArnPBAtpPBA"
    "vnPBAxpPBAznPBA1pPBA3nPBAxpPBAznPBA1pPBA3nPBA5pPBA7nPBA9pPBA/nPHH90NIHt3NIF11NIFl4NIHx2NIHh5NIHt"
    "3NIH95NIFh4NIFx6NIH14NJAn7NCAr7NCAv7NCAz7NBHt5NIH97NIB97NCB57NCB57NCB57NCBx7NCBp7NCBl7NEH98NIHt/"
    "NIHx9NIHhgOIHt9NIH9/NIE9/NGBpgOCEtiOGApgODAxxPBC1gOEB9gOCBljOCCljODCbDDthOGB5hOCD9jOFCiCDD1hOEBl"
    "iOCBhiOCDlkOEA1kOBBp0PCA94PDCxiOEB5iOCBxlOCChlODAx0PDAEBAElJA53OEA9tQBAzuQvDATBARTAzBfAGBAMBAG1B"
    "ABFABDABYABCABbAJDABDADCABXAliRCABLA/BBAjjRBAhjRBAXBAXDADBADDADBADHALBALDADBADDADBADjBATBAJBAJBA"
    "HxBAnGBAnGBAhFBAhFHAvDBAvDBAvDBAvD8BA+tGBA+tGy9BACwrBABCABCABCABCABCABCABCABCABCABCABCABDABCABCA"
    "BHBBDBBDBBDBBDBBYA7EKABOABCABCABCABCABCABCABCABCABCABCABCABDABCABCABHBBDBBDBBDBBDBBYA7EDAPBAPBAP"
    "BAPEABi4erS/vtCsSrS10uCsSrSr5vCsSrSh+wCsSrS3iyCsSrStnzCsSrSjs0CsSrS5w1CsSrSv12CsSrSl63CsSrS7+4Cs"
    "SrSxj6CsSrSno7CsSrS9s8CsSrSzx9CsSrSp2+CsSrS/6/CsSrS1/gDsSrSrkiDo9IAvr2BBA5gpCBAvj1BBA1j2BBAljlCB"
    "Alt1CBAhyyCBB12sBCAv7vCBAxzzBBAn4xCBAn8vCBAtxrCBApqhCBAz48BBAht5BBAt14BBAzh4BBAno0BBAjxnCBAz/lCB"
    "A5jkCBAxziCBA1t6BBA96zBBAxyvBBAxp1CBAt6yCBAxhnCBAlwjCBAjv5BBAjwtBBAh9tCBAtzkCBAr15BBA/73BBA3lrCB"
    "A707BBAvw4BBA7ltCBAjhpCBA/7lCBA9ijCBA7l0BBAt60CBAt3zCBAhlzCBA3mqCBA7lnCBAjyjCBA3khCBAlz8BBA9y5BB"
    "Azt5BBAv01BBArgxBBAz8uBBA/ztBBA9qgCBA57/BBA559BBAp36BBA1jzBBAhstBBA1m3BBAlmwCBA9jtCBAnu+BBAts8BB"
    "AnujCBA5ngCBAro2BBAjlxBBAjnwCBAxuuCBAxznCBAl3lCBA9jlCBA/h+BB",
    "Axx9BBArwxBBA/nzCBAvs8BBAv3zCBAx4zCBAzz/BBAx59BBAt26BBAnuxBBAz92BBA3orCBAz1nCBA9l3BBApy1CBAv3uCB"
    "A70sCBAz9iCBAj/hCBA3kzCBAxmgCBAr60CBA57sCBAz11CBA3pmCBAh/pCBAvk+BBAv6yCBA7wwCBA3mhCBApy6BBAps3BB"
    "Ar7mCBAh80BBAzumCBApnrCBA9o7BBAp9qCBAhhiCBAxs1CBA9g0CBA/6zCBAxvoCBAnp+BBA5w7BBA1q3BBA96zBBAzozCB"
    "A7zyCBA7gwCBArptCBA77pCBAr4kCBA1lgCBAx9xBBA5xvBBAhvtBBA1rtBBA9uzCBApspCBAphnCBA1i1BBAzxtCBA9/rCB"
    "A/4rCBAtvqCBA9mlCBAzkkCBA1wiCBA18/BBAj69BBAvy8BBAjn1BBA1q6BBAt30BBAhlzBBAp4zCBAzvzCBAhuyCBAttkCB"
    "A7t4BBAtv3BBAxttCBA76sCBAxirCBAt/mCBAv2+BBAjjjCBAns1CBA/qxCBAl8uCBAh/tCBA/4sCBA1/iCBAp0iCBAph9BB"
    "Az28BBA53zBBA3rxBBA1mxBBA35wBBAzi1CBAvggCBAlg0BBA/vxBBAvtsCBAnz1CBAhu0CBA78uCBA73uCBApiqCBA57nCB"
    "Aj/jCBA93hCBArs6BBAt00BBAtjtBBA5zpCBAv5xBBA7zzCBA5kpCBAr9oCBAxomCBA9ylCBAl8iCBAnniCBAl2gCBA9r+BB"
    "Aj3wBBAnm0CBAn6rCBA11xBBAx60CBA3ruCBA3+lCBA5q1BBA5ktCBAppsCBAl8oCBAnljCBAr1xBBAn7zCBA98yCBAz3uCB"
    "A58pCBAlppCBAzzoCBA7vmCBA79iCBAlgiCBA5m9BBAvx4BBAtw4BBA5h0BBAvwxBBA3qzCBAjzlCBA/8yCBA7hkCBAt1iCB"
    "Ar/5BBA70xBBA15uBBAn1tBBA5lpCBAzimCBA7g8BBA3y/BBAvt/BBAt2+BBAzzjCBAj2kCBAnq3BBA5z1CBAvs7BBAp8zCB"
    "Ax/zCBA11tCBA9yrCBA5y+BBA9nvCBAtumCBAj1pCBA3s1BBA374BBA37xBBA9n4BBAvztCBA3s0CBA5kyCDAr7wCCA75pCD"
    "Atj0CBA3ujCBA50hCBA3tgCBA1rgCBAprgCBA3ogCBArsxBBA91+BBAhm9BCA7g6BCAzy3BDA5+0BBAxy0BEA1zwBBA9ywBB"
    "AnwwBBAxnuBBA/00BBAv3xBBAjo1CBAz00CBApu0CBAz2zCBA/0zCBAnuzCBAxpyCBAhjyCBA/8xCBAx/wCBAj5wCBAt9uCB"
    "A78uCBAx6sCBArtsCBAhrsCBA7ksCBAjvqCBA/lqCBAj7pCBA97oCBA7smCBA3imCBApylCBAztkCBA7hkCBAvijCBAz7gCB"
    "A7wgCBAnwgCBArwgCBA9vgCBAzvgCBAnvgCBApsgCBApsgCBAnhgCBAn9/BBArp/BBAlm+BBA9k+BBAvh+BBAvu9BBArl9BB"
    "A9m8BBBn+7BCAvg7BBA/04BBA1s4BBAh23BBAzy3BBAh52BBA512BBA/q1BBA9i1BBAp4xBBAzmxBBA9ixBBAr/sCBAkokFB"
    "Apl8BDAzk2CBA3r0CBAzw0CBAlv1CBA9y0CBApv0CBA96zCBA53zCBA1tyCBAnyyCBAhuyCBAxpyCBAjixCBAz8wCBAzzwCB"
    "A1ywCBA7hwCBAx1vCBA/6tCBAz6tCBA1xtCBAvttCBA76sCBAxzsCBA/3sCBA1vsCBAzysCBAxpsCBAvlsCBAxsrCBAjnrCB"
    "A5jrCBAzzqCBA5hqCBA13pCBAv3pCBA7zpCBA3xnCBA3tnCBAr1mCBA57lCBA78lCBAv3lCBA5nlCBA7ykCBArvhCBAxmkCB"
    "A/+jCBAr3jCBA/ijCBA35iCBAv2iCBAtoiCBAroiCBA39hCBA38hCBAn7hCBA91hCBAz2hCBA99gCBA1//BBA5u/BBAlj/BB"
    "An1+BBA3r+BBAl39BBA5q9BBAh27BBAps7BBA3z5BBAp34BBAhz4BBAjy4BBAz/3BBAj83BBA/+3BBA173BBA973BBAh93BB"
    "Ar43BBArz3BBAx72BBAz41BBAhl1BBA1y0BBA9k0BBAzkyBBAn+xBBAj3xBBA7uxBBA1sxBBA/rxBBAhpxBBA17vBBAjztBB"
    "A232EBAo32EBAow8EBApz/CBA1r9CBA1p9CBAo3rFBA0/wFBA4/hGBAp5tBBA10tBkCAn06DCA5y6DLDh06DEC716DDA/16D"
    "BA/16DBA/16DBA/16DBA/16DBA/16DCA/16DBA/16DBA/16DBA/16DBA/16DCA/16DCA/16DBA/16DCA/16DBA/16DCA/16D"
    "BA/16DBA/16DBA/16DBA/16DBAr36DBA136DBAj36DBAz26DsqFABCABPALjEAGBAG8QBHwLBDDAJ8HADBAD9bAFmhuBANBF"
    "N8CADBADBAHBAHBALBALgypCAl80KBAx80KBAh80KBAhu7DBAnq0KBAtl0KBA1k0KBApg0KBA74zKBA/2zKBAlyzKBA3zzKB"
    "A72hLBAl94DBAhszKBA1rzKBA3qzKBAzpzKBArv5DBAz1hLBA5qzKBAvozKBA1s5DBA/nzKBAnnzKBA500KBA7mzKBArmzKB"
    "A5jzBBAvizKBA1hzKBA/zhLBAp+yKBA19yKBA/6yKBA36yKBA9whLBA71yKBA51yKBAl0yKBA7yyKBAnyyKBAnyyKBAnxyKB"
    "AluyKBA3tyKBAntyKBA3ryKBAlryKBCjryKDAvg3DBAp8jKBA3myKBAvlyKBApt2DBA7kyKBAxkyKBApjyKBA75xKBApgyKB"
    "Ar/xKBAt9xKBA75xKBA10xKBAjzxKBA/uxKBAhuxKBBhsxKCA7qxKBA5pxKBArpxKBAvoxKBApzwKBArkxKBArzwKBA5/wKB"
    "A19wKBAxkzKBAl2vKBAnowKBA9lwKBAtkwKBAzswKBAniwKBAriwKBA36vKBAp3xDBAv2vKBAn2vKBAr1vKBAl0vKBA3zvKB"
    "A5vvKBAv7wDBAt3wDBArnvKBAvkvKBA5jvKBA5ovKBA//uKBAx3gLBA32gLBAh2uKBB3yuKCAnqvDBAzquKBArpuKBAvouKB"
    "A5nuKBAx1uDBAlnuKBA5muKBAhysKBAlluKBApvgLBAthuKBAzguKBAx7tKBA5+tKBAtptDBAxztKBAtptDBA/wtKBAnxtKB"
    "AnwtKBA/ptKBA/ptKBAnlgLBAtotKBA5ltKBAxktKBA7htKBArigLBArwrDBA7ggLBA19sKBAx9sKBAt9sKBAn8sKBA5vqBB"
    "Aj5sKBB/1qDCAjp7JBBj3sKCA98/KBA99iDBA7rrCBAtzsKBA9ysKBAv7/KBAjwsKBA/ssKBAtssKBArqsKBA9hsKBAt2/KB"
    "Ar4/KBA9gsKBA/8oDBA79rKBA71rKBA11rKBAz1rKBA51rKBA/yrKBA5xrKBAzvrKBAxwrKBA9vrKBAhtrKBA7rrKBA1rrKB"
    "AjqrKBAvprKBAtlrKBAngrKBAj+qKBAt2qKBA36mDBA33qKBA77qKBAl1qKBAxzqKBAxtqKBA5smDBA5pqKBA1vqKBAvxqKB"
    "Anp/KBAzlqKBArkqKBAviqKBA9kqKBA1l/KBAx3pKBA51pKBA/rkDBAvupKBAn9oKBAnopKBAp7+KBA7jpKBAv8+KBA5++KB"
    "A/zzKBA7zzKBAn9oKBAxjpKBAxi8JBA7v6KBAh8oKBA77oKBAx7oKBA53oKBAx4oKBAzxiDBAp5+KBApuoKBA11oKBA9ooKB"
    "A5loKBArniDBArloKBArsoKBAj9nKBAz0+KBAr6nKBAr0nKBA/vnKBAlknKB",
    "AxkhDBAjhnKBArt+KBA78mKBAxkgDBA55mKBAnq+KBAh4mKBAp1mKBA1zmKBA1zmKBAzm/CBA5+tDBA9/+CBA3qmKBA9j+CB"
    "A5jmKBA/imKBAtpmKBAx+lKBAj8lKBAz4lKBAh8lKBAz5lKBA34lKBA/3lKBAv+9CBAl9lKBAxtlKBA1plKBAt99KBA/jlKB"
    "ApklKBA3j9CBApxlKBAh6kKBAj78CBAl48CBA30kKBAztkKBArvkKBAzvkKBA/39KBA5skKBA1pkKBAjqkKBA5mkKBAr/5DB"
    "At9jKBAzr7CBAj4jKBAn36CBAvvjKBA3ujKBAjtjKBA1x5CBAnqjKBA/ojKBAh/4CBAlx4CBA76iKBA75iKBA7n9KBAr4iKB"
    "Bnn9KCAtuiKBAltiKBA9riKBA3qiKBAvmiKBAvh9KBA/giKBA9v2CBAv/hKBApq2CBAv8hKBAz5rDBAzyhKBAz50CBAn40CB"
    "Axv0CBAj08KBAtz8KBA3khKBA7k0CBA/k0CBAzi0CBAhh0CBAtihKBBtihKCA7/gKBA/w8KBA97gKBApw8KBArr8KBA/yyCB"
    "A/vgKBAlsgKBAnogKBA7m8KBA3yxCBA5//JBAzrxCBA/oxCBAt8/JBA32/JBAxi8KBAxx/JBA/w/JBA3w/JBA/9vCBBrrvCC"
    "Ahn/JBA717KBAr7uCBA35+JBAz5+JBA5z7KBApuuCBAnp+JBAts7KBA/n+JBAro+JBAzm+JBAp+sCBAxg+JBA3m7KBAt69JB"
    "A529JBA1y9JBA5j7KBAz0rCBA3yrCBA1h7KBA3prCBA3/8JBAxjrCBAl+8JBA938JBAp38JBAhqqCBAxlqCBA5x8JBAr9pCB"
    "A9w8JBAhijDBA366KBA/s8JBA/n8JBAx36KBAtk8JBAhtvKBA/9oCBAl9oCBAr/iDBA7+iDBAz47JBAv47JBA9+0JBAly6KB"
    "A7v7JBApw7JBAnv7JBA9tzKBAju7JBAhu7JBAvt7JBA/q7JBA1lnCBAlr7JBA3n7JBAtj7JBA7+6JBAxn7JBA/96JBAt76JB"
    "Av06JBA5k7JBAt96JBAr96JBAt86JBA72mCBAzjmCBAhtmCBA3n6KBAtr6JBArr6JBAnp6JBAh+iCBAvk6JBAholCBAhl6KB"
    "A7k6KBA9/kCBA9tkCBAtk6KBAl25JBAv15JBA705JBA505JBA7w5JBA/y5JBA1q5JBAvt5JBAjk5JBAnp5JBAjl5JBAvj5JB"
    "Av+5KBA994JBA/74JBAx85KBAl24JBAh24JBA71hCBA9u4JBAxu4JBAl55KBA9s4JBA9wiLBA5xgCBArmgCBA9w5KBAtw5KB"
    "A9y3JBAlu3JBAtk3JBA532JBA1y+BBAxy2JBAnx2JBA1r2JBA/l2JBAxq9BBAp94DBA9g2JBA9h2JBA3+1JBA9v4DBAzw1JB"
    "Atq1JBA7g6BBAn/5BBA700JBAjv0JBAlt0JBAtr5BBA1s0JBA96zJBAhxzJBAhxzJBA72zJBAj/yJBAt9yJBAl/2BBAlmyJB"
    "Azl4KBAxjyJBAzn2BBA3g4KBA/yxJBAjkuKBAjtxJBAhr0BBA59zBBAz43KBAl43KBAzhxJBAh/yBBAz03KBAt2yBBBl/wJC"
    "At9wJBA1kyBBA/xwJBA/s3KBA1twJBA7lwJBAnkwJBAxgwJBAzj3KBAxtvBBAvvvJBA18uJBA9wuJBA9z2KBAhy2KBAvquJB"
    "Aj0sBBAxx2KBA5wsBBApgsBBAl4rBBAz1tJBA/r2KBA7xtJBAzxtJBAnxtJBA1wtJBApwtJBAhutJBA5hqB",
    NULL
};

/* Letters of DeepSeek LLM's second pre-tokenizer regex (its literal class). */
static const uint32_t llml__vocab_ds_letters[] = {
    0x41,0x5A, 0x61,0x7A, 0xB5,0xB5, 0xC0,0xD6, 0xD8,0xF6, 0xF8,0x1BA, 0x1BC,0x1BF, 0x1C4,0x293,
    0x295,0x2AF, 0x370,0x373, 0x376,0x377, 0x37B,0x37D, 0x37F,0x37F, 0x386,0x386, 0x388,0x38A,
    0x38C,0x38C, 0x38E,0x3A1, 0x3A3,0x3F5, 0x3F7,0x481, 0x48A,0x52F, 0x531,0x556, 0x10A0,0x10C5,
    0x13A0,0x13F5, 0x13F8,0x13FD, 0x1C90,0x1CBA, 0x1CBD,0x1CBF, 0x1D00,0x1D2B, 0x1D6B,0x1D77,
    0x1D79,0x1D9A, 0x1E00,0x1F15, 0x1F18,0x1F1D, 0x1F20,0x1F45, 0x1F48,0x1F4D, 0x1F50,0x1F57,
    0x1F59,0x1F59, 0x1F5B,0x1F5B, 0x1F5D,0x1F5D, 0x1F5F,0x1F7D, 0x1F80,0x1FB4, 0x1FB6,0x1FBC,
    0x1FBE,0x1FBE, 0x1FC2,0x1FC4, 0x1FC6,0x1FCC, 0x1FD0,0x1FD3, 0x1FD6,0x1FDB, 0x1FE0,0x1FEC,
    0x1FF2,0x1FF4, 0x1FF6,0x1FFC, 0x2102,0x2102, 0x2107,0x2107, 0x210A,0x2113, 0x2115,0x2115,
    0x2119,0x211D, 0x2124,0x2124, 0x2126,0x2126, 0x2128,0x2128, 0x212A,0x212D, 0x212F,0x2134,
    0x2139,0x2139, 0x213C,0x213F, 0x2145,0x2149, 0x214E,0x214E, 0x2183,0x2184, 0x2C00,0x2C7B,
    0x2C7E,0x2CE4, 0x2CEB,0x2CEE, 0x2CF2,0x2CF3, 0xA640,0xA66D, 0xA680,0xA69B, 0xA722,0xA76F,
    0xA771,0xA787, 0xA78B,0xA78E, 0xAB70,0xABBF, 0xFB00,0xFB06, 0xFB13,0xFB17, 0xFF21,0xFF3A,
    0xFF41,0xFF5A, 0x10400,0x1044F, 0x104B0,0x104D3, 0x104D8,0x104FB, 0x10C80,0x10CB2,
    0x10CC0,0x10CF2, 0x118A0,0x118DF, 0x1E900,0x1E943
};

/* ---- the vocab object ---------------------------------------------------- */

enum {
    LLML__VPRE_DEFAULT = 0, LLML__VPRE_GPT2, LLML__VPRE_LLAMA3, LLML__VPRE_QWEN2,
    LLML__VPRE_DEEPSEEK_LLM, LLML__VPRE_DEEPSEEK_CODER, LLML__VPRE_FALCON, LLML__VPRE_STARCODER
};

/* pre-tokenizer option bits */
#define LLML__VPF_IGNORE_MERGES 1
#define LLML__VPF_NO_CLEAN      2
#define LLML__VPF_ADD_BOS       4
#define LLML__VPF_ADD_SEP       8
#define LLML__VPF_NO_BOS_ID     16

typedef struct llml__vocab_pre_entry { const char *name; int pre; int opts; } llml__vocab_pre_entry;

static const llml__vocab_pre_entry llml__vocab_pres[] = {
    { "default", LLML__VPRE_DEFAULT, 0 },
    { "llama3", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "llama-v3", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "llama-bpe", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "falcon3", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "falcon-h1", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "pixtral", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "midm-2.0", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "lfm2", LLML__VPRE_LLAMA3, LLML__VPF_IGNORE_MERGES | LLML__VPF_ADD_BOS },
    { "dbrx", LLML__VPRE_LLAMA3, 0 },
    { "smaug-bpe", LLML__VPRE_LLAMA3, 0 },
    { "chatglm-bpe", LLML__VPRE_LLAMA3, LLML__VPF_NO_BOS_ID },
    { "glm4", LLML__VPRE_LLAMA3, LLML__VPF_NO_BOS_ID },
    { "deepseek-llm", LLML__VPRE_DEEPSEEK_LLM, LLML__VPF_NO_CLEAN },
    { "deepseek-coder", LLML__VPRE_DEEPSEEK_CODER, LLML__VPF_NO_CLEAN },
    { "falcon", LLML__VPRE_FALCON, 0 },
    { "gpt-2", LLML__VPRE_GPT2, 0 },
    { "phi-2", LLML__VPRE_GPT2, 0 },
    { "mpt", LLML__VPRE_GPT2, 0 },
    { "olmo", LLML__VPRE_GPT2, 0 },
    { "jais", LLML__VPRE_GPT2, 0 },
    { "jina-es", LLML__VPRE_GPT2, 0 },
    { "jina-de", LLML__VPRE_GPT2, 0 },
    { "jina-v2-es", LLML__VPRE_GPT2, 0 },
    { "jina-v2-de", LLML__VPRE_GPT2, 0 },
    { "gigachat", LLML__VPRE_GPT2, 0 },
    { "a.x-4.0", LLML__VPRE_GPT2, 0 },
    { "mellum", LLML__VPRE_GPT2, 0 },
    { "modern-bert", LLML__VPRE_GPT2, 0 },
    { "exaone4", LLML__VPRE_GPT2, 0 },
    { "trillion", LLML__VPRE_GPT2, LLML__VPF_NO_CLEAN },
    { "granite-docling", LLML__VPRE_GPT2, LLML__VPF_NO_CLEAN },
    { "jina-v1-en", LLML__VPRE_GPT2, LLML__VPF_ADD_SEP },
    { "jina-v2-code", LLML__VPRE_GPT2, LLML__VPF_ADD_SEP },
    { "roberta-bpe", LLML__VPRE_GPT2, LLML__VPF_ADD_SEP },
    { "qwen2", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "deepseek-r1-qwen", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "kormo", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "f2llmv2", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "hunyuan", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "solar-open", LLML__VPRE_QWEN2, LLML__VPF_NO_CLEAN },
    { "stablelm2", LLML__VPRE_QWEN2, 0 },
    { "megrez", LLML__VPRE_QWEN2, 0 },
    { "starcoder", LLML__VPRE_STARCODER, 0 },
    { "refact", LLML__VPRE_STARCODER, 0 },
    { "codeshell", LLML__VPRE_STARCODER, 0 },
    { "exaone", LLML__VPRE_STARCODER, 0 },
    { "minerva-7b", LLML__VPRE_STARCODER, 0 },
    { "mellum2", LLML__VPRE_STARCODER, 0 },
    { "command-r", LLML__VPRE_STARCODER, LLML__VPF_NO_CLEAN },
    { "smollm", LLML__VPRE_STARCODER, LLML__VPF_NO_CLEAN }
};

/* Split stages: each entry of a pre-tokenizer's list splits every chunk the
   previous stages produced (kept pieces between matches stay chunks too). */
enum {
    LLML__VST_END = 0,
    LLML__VST_GPT2,          /* 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S) */
    LLML__VST_LLAMA3,        /* (?i:'s|..)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
    LLML__VST_QWEN2,         /* the same with \p{N} */
    LLML__VST_RN,            /* [\r\n] */
    LLML__VST_WS_LETTERS,    /* \s?\p{L}+ */
    LLML__VST_WS_PUNCT,      /* \s?\p{P}+ */
    LLML__VST_CJK,           /* [U+4E00-U+9FA5 U+0800-U+4E00 U+AC00-U+D7FF]+ */
    LLML__VST_NUM1,          /* \p{N} */
    LLML__VST_NUMRUN,        /* \p{N}+ */
    LLML__VST_DS_LETTERS,    /* \s?[DeepSeek letter class]+ */
    LLML__VST_DS_PUNCT,      /* \s?[!-/:-~ U+FF01-U+FF0F U+FF1A-U+FF5E U+2018-U+201F U+3000-U+3002]+ */
    LLML__VST_TRAIL_WS,      /* \s+$ */
    LLML__VST_PUNCT_FALCON,  /* [\p{P}\$\+<=>\^~\|`]+ */
    LLML__VST_PUNCT_DEFAULT, /* [\p{P}\$\+<=>\^~\|]+ */
    LLML__VST_DIGIT3         /* [0-9][0-9][0-9] */
};

static const unsigned char llml__vocab_stages[][7] = {
    /* DEFAULT        */ { LLML__VST_PUNCT_DEFAULT, LLML__VST_GPT2, LLML__VST_NUMRUN, LLML__VST_DIGIT3, 0, 0, 0 },
    /* GPT2           */ { LLML__VST_GPT2, 0, 0, 0, 0, 0, 0 },
    /* LLAMA3         */ { LLML__VST_LLAMA3, 0, 0, 0, 0, 0, 0 },
    /* QWEN2          */ { LLML__VST_QWEN2, 0, 0, 0, 0, 0, 0 },
    /* DEEPSEEK_LLM   */ { LLML__VST_RN, LLML__VST_DS_LETTERS, LLML__VST_DS_PUNCT, LLML__VST_TRAIL_WS,
                           LLML__VST_CJK, LLML__VST_NUMRUN, 0 },
    /* DEEPSEEK_CODER */ { LLML__VST_RN, LLML__VST_WS_LETTERS, LLML__VST_WS_PUNCT, LLML__VST_CJK,
                           LLML__VST_NUM1, 0, 0 },
    /* FALCON         */ { LLML__VST_PUNCT_FALCON, LLML__VST_GPT2, LLML__VST_DIGIT3, 0, 0, 0, 0 },
    /* STARCODER      */ { LLML__VST_NUM1, LLML__VST_GPT2, 0, 0, 0, 0, 0 }
};

/* internal attribute bit: token ends generation */
#define LLML__VATTR_EOG 0x8000u

struct llml_vocab {
    llml_allocator alloc;
    int type;                  /* llml_vocab_type */
    int pre;                   /* LLML__VPRE_* (BPE) */
    char pre_name[64];
    int32_t n_tokens;
    char *blob;                /* every token text, each NUL-terminated */
    size_t blob_size;
    uint32_t *text_off;        /* n_tokens + 1 offsets into blob (text i ends at text_off[i+1]-1) */
    float *scores;
    uint16_t *attrs;
    int32_t *hash;             /* token text -> id; -1 empty */
    uint32_t hash_mask;
    uint64_t *merge_key;       /* (left id << 32 | right id); UINT64_MAX empty */
    int32_t *merge_val;        /* pairs: rank, id of the merged text (-1 when not a token) */
    uint32_t merge_mask;       /* 0 when there are no merges */
    int32_t byte_tok[256];     /* byte -> token (SPM <0xXX>; BPE its byte-level character), -1 */
    uint16_t byte_cp[256];     /* byte -> its byte-level code point */
    int16_t cp_byte[324];      /* byte-level code point -> byte, -1 */
    int32_t special[LLML_TOKEN_SPECIAL_COUNT];
    int add_bos, add_eos, add_sep, add_space_prefix, ignore_merges, clean_spaces;
    int lowercase, strip_accents;
    int32_t max_token_len;
    int32_t *special_list;     /* control / user-defined / unknown ids, longest text first */
    int32_t n_special;
    /* decoded Unicode data */
    uint8_t *u_bmp;            /* 65536 flag bytes */
    uint32_t *u_cat_start; uint8_t *u_cat; int32_t n_cat;
    uint32_t *u_low; int32_t n_low;   /* 4 per run: start, count, stride, zigzag delta */
    uint32_t *u_nfd; int32_t n_nfd;   /* 3 per run: start, last, target */
};

/* ---- small helpers ------------------------------------------------------- */

static void *llml__vocab_alloc(const llml_vocab *v, size_t n) {
    return llml__alloc(&v->alloc, n, 16);
}
static void llml__vocab_dealloc(const llml_vocab *v, void *p, size_t n) {
    llml__free(&v->alloc, p, n);
}

static uint64_t llml__vocab_fnv(const char *s, size_t n) {
    uint64_t h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < n; i++) { h ^= (unsigned char)s[i]; h *= 1099511628211ull; }
    return h;
}

static int32_t llml__vocab_lookup(const llml_vocab *v, const char *s, size_t n) {
    uint32_t slot = (uint32_t)llml__vocab_fnv(s, n) & v->hash_mask;
    for (;;) {
        int32_t id = v->hash[slot];
        if (id < 0) return -1;
        if ((size_t)(v->text_off[id + 1] - 1 - v->text_off[id]) == n && memcmp(v->blob + v->text_off[id], s, n) == 0)
            return id;
        slot = (slot + 1) & v->hash_mask;
    }
}

static const char *llml__vocab_text(const llml_vocab *v, int32_t id, size_t *len) {
    *len = v->text_off[id + 1] - 1 - v->text_off[id];
    return v->blob + v->text_off[id];
}

static uint64_t llml__vocab_mix(uint64_t k) {
    k ^= k >> 31; k *= 0x9E3779B97F4A7C15ull; k ^= k >> 29;
    return k;
}

/* rank and result of merging tokens a and b, or 0 when they do not merge */
static int llml__vocab_merge(const llml_vocab *v, int32_t a, int32_t b, int32_t *rank, int32_t *result) {
    uint64_t key;
    uint32_t slot;
    if (!v->merge_mask || a < 0 || b < 0) return 0;
    key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
    slot = (uint32_t)llml__vocab_mix(key) & v->merge_mask;
    for (;;) {
        uint64_t k = v->merge_key[slot];
        if (k == UINT64_MAX) return 0;
        if (k == key) { *rank = v->merge_val[2 * slot]; *result = v->merge_val[2 * slot + 1]; return 1; }
        slot = (slot + 1) & v->merge_mask;
    }
}

/* ---- Unicode ------------------------------------------------------------- */

static int llml__vocab_b64(int c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '+' ? 62 : 63;
}

typedef struct llml__vocab_vr { const char *const *chunk; const char *p; } llml__vocab_vr;

static uint32_t llml__vocab_vr_next(llml__vocab_vr *r) {
    uint32_t val = 0;
    int shift = 0;
    for (;;) {
        int d;
        while (*r->p == 0) { r->chunk++; r->p = *r->chunk; }
        d = llml__vocab_b64((unsigned char)*r->p++);
        val |= (uint32_t)(d & 31) << shift;
        shift += 5;
        if (!(d & 32)) return val;
    }
}

static int llml__vocab_is_ws(uint32_t c) {
    return (c >= 9 && c <= 13) || c == 32 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
           (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
           c == 0x205F || c == 0x3000;
}

/* decode the Unicode streams into v */
static llml_result llml__vocab_unicode_init(llml_vocab *v) {
    llml__vocab_vr r;
    int32_t i;
    uint32_t prev = 0, c;
    v->n_cat = LLML__VOCAB_UNI_CAT_COUNT;
    v->n_low = LLML__VOCAB_UNI_LOWER_COUNT;
    v->n_nfd = LLML__VOCAB_UNI_NFD_COUNT;
    v->u_bmp = (uint8_t *)llml__vocab_alloc(v, 65536);
    v->u_cat_start = (uint32_t *)llml__vocab_alloc(v, sizeof(uint32_t) * (size_t)v->n_cat);
    v->u_cat = (uint8_t *)llml__vocab_alloc(v, (size_t)v->n_cat);
    v->u_low = (uint32_t *)llml__vocab_alloc(v, sizeof(uint32_t) * 4 * (size_t)v->n_low);
    v->u_nfd = (uint32_t *)llml__vocab_alloc(v, sizeof(uint32_t) * 3 * (size_t)v->n_nfd);
    if (!v->u_bmp || !v->u_cat_start || !v->u_cat || !v->u_low || !v->u_nfd) return LLML_ERR_OUT_OF_MEMORY;
    r.chunk = llml__vocab_uni_cat; r.p = r.chunk[0];
    for (i = 0; i < v->n_cat; i++) {
        uint32_t x = llml__vocab_vr_next(&r);
        if (i > 0) prev += x >> 3;
        v->u_cat_start[i] = prev;
        v->u_cat[i] = (uint8_t)(x & 7);
    }
    for (i = 0; i < v->n_cat; i++) {
        uint32_t end = i + 1 < v->n_cat ? v->u_cat_start[i + 1] : 0x110000u;
        if (v->u_cat_start[i] >= 65536) break;
        if (end > 65536) end = 65536;
        for (c = v->u_cat_start[i]; c < end; c++)
            v->u_bmp[c] = (uint8_t)(v->u_cat[i] | LLML__UF_VALID | (llml__vocab_is_ws(c) ? LLML__UF_WS : 0));
    }
    r.chunk = llml__vocab_uni_lower; r.p = r.chunk[0]; prev = 0;
    for (i = 0; i < v->n_low; i++) {
        prev += llml__vocab_vr_next(&r);
        v->u_low[4 * i + 0] = prev;
        v->u_low[4 * i + 1] = llml__vocab_vr_next(&r) + 1;
        v->u_low[4 * i + 2] = llml__vocab_vr_next(&r) + 1;
        v->u_low[4 * i + 3] = llml__vocab_vr_next(&r);
    }
    r.chunk = llml__vocab_uni_nfd; r.p = r.chunk[0]; prev = 0;
    for (i = 0; i < v->n_nfd; i++) {
        uint32_t len, zz;
        prev += llml__vocab_vr_next(&r);
        len = llml__vocab_vr_next(&r);
        zz = llml__vocab_vr_next(&r);
        v->u_nfd[3 * i + 0] = prev;
        v->u_nfd[3 * i + 1] = prev + len;
        v->u_nfd[3 * i + 2] = (zz & 1) ? prev - ((zz + 1) >> 1) : prev + (zz >> 1);
    }
    return LLML_OK;
}

/* flag byte of a code point (category | WS | VALID) */
static unsigned llml__vocab_uflags(const llml_vocab *v, uint32_t c) {
    int32_t lo = 0, hi;
    if (c < 65536) return v->u_bmp[c];
    if (c >= 0x110000) return LLML__UC_UNDEF | LLML__UF_VALID;
    hi = v->n_cat - 1;
    while (lo < hi) {
        int32_t mid = (lo + hi + 1) / 2;
        if (v->u_cat_start[mid] <= c) lo = mid; else hi = mid - 1;
    }
    return (unsigned)v->u_cat[lo] | LLML__UF_VALID;
}

/* last index i with table[i * stride] <= c, or -1 */
static int32_t llml__vocab_bsearch(const uint32_t *table, int32_t n, int stride, uint32_t c) {
    int32_t lo = 0, hi = n - 1;
    if (n <= 0 || table[0] > c) return -1;
    while (lo < hi) {
        int32_t mid = (lo + hi + 1) / 2;
        if (table[(size_t)mid * (size_t)stride] <= c) lo = mid; else hi = mid - 1;
    }
    return lo;
}

static uint32_t llml__vocab_tolower(const llml_vocab *v, uint32_t c) {
    int32_t i;
    const uint32_t *e;
    if (c < 128) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
    i = llml__vocab_bsearch(v->u_low, v->n_low, 4, c);
    if (i < 0) return c;
    e = v->u_low + 4 * i;
    if ((c - e[0]) % e[2] != 0 || (c - e[0]) / e[2] >= e[1]) return c;
    return (e[3] & 1) ? c - ((e[3] + 1) >> 1) : c + (e[3] >> 1);
}

static uint32_t llml__vocab_nfd_first(const llml_vocab *v, uint32_t c) {
    int32_t i = llml__vocab_bsearch(v->u_nfd, v->n_nfd, 3, c);
    if (i < 0 || c > v->u_nfd[3 * i + 1]) return c;
    return v->u_nfd[3 * i + 2];
}

/* Decode one code point the way the reference does: overlong forms and
   surrogates pass, a bad byte becomes U+FFFD and is skipped alone (values
   above U+10FFFF count as bad too). */
static uint32_t llml__vocab_utf8_next(const unsigned char *s, size_t n, size_t *pos) {
    size_t i = *pos;
    unsigned b = s[i];
    if (b < 0x80) { *pos = i + 1; return b; }
    if (b >= 0xC0 && b < 0xE0) {
        if (i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
            *pos = i + 2;
            return ((uint32_t)(b & 0x1F) << 6) | (s[i + 1] & 0x3F);
        }
    } else if (b >= 0xE0 && b < 0xF0) {
        if (i + 2 < n && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80) {
            *pos = i + 3;
            return ((uint32_t)(b & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        }
    } else if (b >= 0xF0 && b < 0xF8) {
        if (i + 3 < n && (s[i + 1] & 0xC0) == 0x80 && (s[i + 2] & 0xC0) == 0x80 && (s[i + 3] & 0xC0) == 0x80) {
            uint32_t c = ((uint32_t)(b & 0x07) << 18) | ((uint32_t)(s[i + 1] & 0x3F) << 12) |
                         ((uint32_t)(s[i + 2] & 0x3F) << 6) | (s[i + 3] & 0x3F);
            if (c <= 0x10FFFF) { *pos = i + 4; return c; }
        }
    }
    *pos = i + 1;
    return 0xFFFD;
}

/* UTF-8 of c (c <= 0x10FFFF) into out; returns the length */
static size_t llml__vocab_utf8_put(uint32_t c, char *out) {
    if (c < 0x80) { out[0] = (char)c; return 1; }
    if (c < 0x800) { out[0] = (char)(0xC0 | (c >> 6)); out[1] = (char)(0x80 | (c & 0x3F)); return 2; }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | (c >> 12)); out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F)); return 3;
    }
    out[0] = (char)(0xF0 | (c >> 18)); out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F)); out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

/* GPT-2 byte-level alphabet: printable bytes stand for themselves, the other
   68 map to U+0100 upwards in byte order. */
static int llml__vocab_byte_is_printable(unsigned b) {
    return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
}
static uint32_t llml__vocab_byte_to_cp(unsigned b) {
    unsigned i, n = 0;
    if (llml__vocab_byte_is_printable(b)) return b;
    for (i = 0; i < b; i++) if (!llml__vocab_byte_is_printable(i)) n++;
    return 256 + n;
}
/* inverse; -1 for a code point outside the alphabet */
static int llml__vocab_cp_to_byte(uint32_t c) {
    unsigned i, n = 0;
    if (c < 256) return llml__vocab_byte_is_printable(c) ? (int)c : -1;
    if (c >= 256 + 68) return -1;
    for (i = 0; i < 256; i++) {
        if (!llml__vocab_byte_is_printable(i)) {
            if (n == c - 256) return (int)i;
            n++;
        }
    }
    return -1;
}

static int llml__vocab_isspace(unsigned char c) {
    return c == ' ' || (c >= 9 && c <= 13);
}

/* ---- per-call scratch ----------------------------------------------------- */

typedef struct llml__vocab_buf { void *p; size_t cap; } llml__vocab_buf;

/* grow b to at least `bytes`, keeping its contents; 0 on failure */
static int llml__vocab_reserve(const llml_vocab *v, llml__vocab_buf *b, size_t bytes) {
    void *p;
    size_t want = bytes;
    if (bytes <= b->cap) return 1;
    if (want < 256) want = 256;
    if (want < b->cap / 2 * 3) want = b->cap / 2 * 3;
    p = llml__vocab_alloc(v, want);
    if (!p) return 0;
    if (b->p) {
        memcpy(p, b->p, b->cap);
        llml__vocab_dealloc(v, b->p, b->cap);
    }
    b->p = p;
    b->cap = want;
    return 1;
}

typedef struct llml__vocab_frag { int32_t tok; uint32_t off, len; } llml__vocab_frag;

typedef struct llml__vocab_spm_sym { int32_t prev, next; uint32_t start, len; } llml__vocab_spm_sym;
typedef struct llml__vocab_spm_big { float score; int32_t left, right; uint32_t size; } llml__vocab_spm_big;
typedef struct llml__vocab_bpe_sym { int32_t prev, next, id; uint32_t start, len; } llml__vocab_bpe_sym;
typedef struct llml__vocab_bpe_big { int32_t rank, left, right, lid, rid, result; } llml__vocab_bpe_big;

typedef struct llml__vocab_work {
    const llml_vocab *v;
    int32_t *out;              /* the caller's buffer */
    size_t cap, n;             /* its size; tokens produced so far */
    llml__vocab_buf frag[2];   /* special-token partition (ping-pong) */
    llml__vocab_buf cps;       /* code points of a fragment */
    llml__vocab_buf chunk[2];  /* split lengths (ping-pong) */
    llml__vocab_buf bytes;     /* SPM text, a BPE word, a WordPiece word */
    llml__vocab_buf enc;       /* byte-level text of a BPE word */
    llml__vocab_buf sym;       /* merge symbols */
    llml__vocab_buf heap;      /* merge queue */
} llml__vocab_work;

static void llml__vocab_emit(llml__vocab_work *w, int32_t id) {
    if (w->n < w->cap) w->out[w->n] = id;
    w->n++;
}

static void llml__vocab_work_free(llml__vocab_work *w) {
    llml__vocab_buf *all[10];
    int i;
    all[0] = &w->frag[0]; all[1] = &w->frag[1]; all[2] = &w->cps; all[3] = &w->chunk[0];
    all[4] = &w->chunk[1]; all[5] = &w->bytes; all[6] = &w->enc; all[7] = &w->sym; all[8] = &w->heap;
    all[9] = NULL;
    for (i = 0; all[i]; i++) {
        if (all[i]->p) llml__vocab_dealloc(w->v, all[i]->p, all[i]->cap);
        all[i]->p = NULL;
        all[i]->cap = 0;
    }
}

/* ---- pre-tokenizer splits -------------------------------------------------- */

/* flags of cp[p] inside a chunk ending at e; 0 past its end */
static unsigned llml__vocab_fat(const llml_vocab *v, const uint32_t *cp, size_t p, size_t e) {
    return p < e ? llml__vocab_uflags(v, cp[p]) : 0u;
}
#define LLML__UF_CAT(f) ((f) & 7u)
#define LLML__UF_IS(f, c) (((f) & LLML__UF_VALID) && LLML__UF_CAT(f) == (c))
#define LLML__UF_LETTER(f) LLML__UF_IS(f, LLML__UC_LETTER)
#define LLML__UF_NUMBER(f) LLML__UF_IS(f, LLML__UC_NUMBER)
#define LLML__UF_ISWS(f) (((f) & LLML__UF_WS) != 0)
/* "other": in the chunk, neither whitespace nor letter nor number */
#define LLML__UF_OTHER(f) (((f) & LLML__UF_VALID) && !LLML__UF_ISWS(f) && !LLML__UF_LETTER(f) && !LLML__UF_NUMBER(f))

typedef struct llml__vocab_pieces { uint32_t *out; size_t n; size_t prev_end; } llml__vocab_pieces;

/* close the piece that ends at `end` (nothing when empty); returns its length */
static size_t llml__vocab_cut(llml__vocab_pieces *pc, size_t end) {
    size_t len = end - pc->prev_end;
    if (len > 0) pc->out[pc->n++] = (uint32_t)len;
    pc->prev_end = end;
    return len;
}

/* whitespace run at p: its length, and one past the last \r or \n in it (0: none) */
static size_t llml__vocab_ws_run(const llml_vocab *v, const uint32_t *cp, size_t p, size_t e, size_t *last_rn) {
    size_t k = 0;
    *last_rn = 0;
    while (LLML__UF_ISWS(llml__vocab_fat(v, cp, p + k, e))) {
        if (cp[p + k] == '\r' || cp[p + k] == '\n') *last_rn = p + k + 1;
        k++;
    }
    return k;
}

/* GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+ */
static void llml__vocab_split_gpt2(const llml_vocab *v, const uint32_t *cp, size_t s, size_t e, llml__vocab_pieces *pc) {
    size_t p = s;
    pc->prev_end = s;
    while (p < e) {
        uint32_t c = cp[p];
        unsigned f = llml__vocab_fat(v, cp, p, e), f2;
        size_t nws, last_rn;
        if (c == '\'' && p + 1 < e) {
            uint32_t c1 = cp[p + 1];
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') { p += llml__vocab_cut(pc, p + 2); continue; }
            if (p + 2 < e) {
                uint32_t c2 = cp[p + 2];
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                    p += llml__vocab_cut(pc, p + 3);
                    continue;
                }
            }
        }
        f2 = c == ' ' ? llml__vocab_fat(v, cp, p + 1, e) : f;
        if (LLML__UF_LETTER(f2)) {
            p += c == ' ';
            while (LLML__UF_LETTER(llml__vocab_fat(v, cp, p, e))) p++;
            llml__vocab_cut(pc, p);
            continue;
        }
        if (LLML__UF_NUMBER(f2)) {
            p += c == ' ';
            while (LLML__UF_NUMBER(llml__vocab_fat(v, cp, p, e))) p++;
            llml__vocab_cut(pc, p);
            continue;
        }
        if (LLML__UF_OTHER(f2)) {
            p += c == ' ';
            while (LLML__UF_OTHER(llml__vocab_fat(v, cp, p, e))) p++;
            llml__vocab_cut(pc, p);
            continue;
        }
        nws = llml__vocab_ws_run(v, cp, p, e, &last_rn);
        if (nws > 1 && p + nws < e) { p += nws - 1; llml__vocab_cut(pc, p); continue; }
        if (nws > 0) { p += nws; llml__vocab_cut(pc, p); continue; }
        p++;
        llml__vocab_cut(pc, p);
    }
}

/* Llama 3 (max_digits 3) and Qwen 2 (max_digits 1):
   (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,max}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+ */
static void llml__vocab_split_llama3(const llml_vocab *v, const uint32_t *cp, size_t s, size_t e,
                                     size_t max_digits, llml__vocab_pieces *pc) {
    size_t p = s;
    pc->prev_end = s;
    while (p < e) {
        uint32_t c = cp[p];
        unsigned f = llml__vocab_fat(v, cp, p, e), f2;
        size_t nws, last_rn;
        if (c == '\'' && p + 1 < e) {
            uint32_t c1 = llml__vocab_tolower(v, cp[p + 1]);
            if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') { p += llml__vocab_cut(pc, p + 2); continue; }
            if (p + 2 < e) {
                uint32_t c2 = llml__vocab_tolower(v, cp[p + 2]);
                if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) {
                    p += llml__vocab_cut(pc, p + 3);
                    continue;
                }
            }
        }
        if (!(c == '\r' || c == '\n' || LLML__UF_NUMBER(f)) &&
            (LLML__UF_LETTER(f) || LLML__UF_LETTER(llml__vocab_fat(v, cp, p + 1, e)))) {
            p++;
            while (LLML__UF_LETTER(llml__vocab_fat(v, cp, p, e))) p++;
            llml__vocab_cut(pc, p);
            continue;
        }
        if (LLML__UF_NUMBER(f)) {
            size_t ini = p;
            while (LLML__UF_NUMBER(llml__vocab_fat(v, cp, p, e))) {
                p++;
                if (p - ini >= max_digits) { llml__vocab_cut(pc, p); ini = p; }
            }
            llml__vocab_cut(pc, p);
            continue;
        }
        f2 = c == ' ' ? llml__vocab_fat(v, cp, p + 1, e) : f;
        if (!LLML__UF_ISWS(f2) && !LLML__UF_LETTER(f2) && !LLML__UF_NUMBER(f2) && (f & LLML__UF_VALID)) {
            p += c == ' ';
            while (LLML__UF_OTHER(llml__vocab_fat(v, cp, p, e))) p++;
            while (p < e && (cp[p] == '\r' || cp[p] == '\n')) p++;
            llml__vocab_cut(pc, p);
            continue;
        }
        nws = llml__vocab_ws_run(v, cp, p, e, &last_rn);
        if (last_rn > 0) { p = last_rn; llml__vocab_cut(pc, p); continue; }
        if (nws > 1 && p + nws < e) { p += nws - 1; llml__vocab_cut(pc, p); continue; }
        if (nws > 0) { p += nws; llml__vocab_cut(pc, p); continue; }
        p++;
        llml__vocab_cut(pc, p);
    }
}

/* Member of a stage's character class. The reference runs these regexes on a
   copy of the text where non-ASCII whitespace is replaced by U+000B, so no
   whitespace character is ever a class member. */
static int llml__vocab_member(const llml_vocab *v, int stage, uint32_t c) {
    unsigned f = llml__vocab_uflags(v, c);
    if (f & LLML__UF_WS) return 0;
    switch (stage) {
    case LLML__VST_WS_LETTERS: return LLML__UF_LETTER(f);
    case LLML__VST_WS_PUNCT: return LLML__UF_IS(f, LLML__UC_PUNCT);
    case LLML__VST_NUM1:
    case LLML__VST_NUMRUN: return LLML__UF_NUMBER(f);
    case LLML__VST_CJK: return (c >= 0x0800 && c <= 0x9FA5) || (c >= 0xAC00 && c <= 0xD7FF);
    case LLML__VST_DS_PUNCT:
        return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x7E) || (c >= 0xFF01 && c <= 0xFF0F) ||
               (c >= 0xFF1A && c <= 0xFF5E) || (c >= 0x2018 && c <= 0x201F) || (c >= 0x3000 && c <= 0x3002);
    case LLML__VST_DS_LETTERS: {
        int32_t i = llml__vocab_bsearch(llml__vocab_ds_letters,
                                        (int32_t)(sizeof(llml__vocab_ds_letters) / sizeof(llml__vocab_ds_letters[0]) / 2), 2, c);
        return i >= 0 && c <= llml__vocab_ds_letters[2 * i + 1];
    }
    case LLML__VST_PUNCT_FALCON:
    case LLML__VST_PUNCT_DEFAULT:
        if (LLML__UF_IS(f, LLML__UC_PUNCT)) return 1;
        return c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' || c == '~' || c == '|' ||
               (c == '`' && stage == LLML__VST_PUNCT_FALCON);
    default: return 0;
    }
}

/* length of the leftmost-first match of a generic stage at p (0: none) */
static size_t llml__vocab_match(const llml_vocab *v, int stage, const uint32_t *cp, size_t p, size_t e) {
    size_t q = p;
    switch (stage) {
    case LLML__VST_RN:
        return (cp[p] == '\r' || cp[p] == '\n') ? 1 : 0;
    case LLML__VST_NUM1:
        return llml__vocab_member(v, stage, cp[p]) ? 1 : 0;
    case LLML__VST_DIGIT3:
        return (p + 3 <= e && cp[p] >= '0' && cp[p] <= '9' && cp[p + 1] >= '0' && cp[p + 1] <= '9' &&
                cp[p + 2] >= '0' && cp[p + 2] <= '9') ? 3 : 0;
    case LLML__VST_WS_LETTERS:
    case LLML__VST_WS_PUNCT:
    case LLML__VST_DS_LETTERS:
    case LLML__VST_DS_PUNCT:
        if (llml__vocab_is_ws(cp[p]) && p + 1 < e && llml__vocab_member(v, stage, cp[p + 1])) q = p + 1;
        while (q < e && llml__vocab_member(v, stage, cp[q])) q++;
        return q - p;
    default:
        while (q < e && llml__vocab_member(v, stage, cp[q])) q++;
        return q - p;
    }
}

/* apply one stage to every chunk of `in` (n_in lengths) into pc->out */
static void llml__vocab_split_stage(const llml_vocab *v, int stage, const uint32_t *cp,
                                    const uint32_t *in, size_t n_in, llml__vocab_pieces *pc) {
    size_t k, s = 0;
    for (k = 0; k < n_in; k++) {
        size_t e = s + in[k], p;
        switch (stage) {
        case LLML__VST_GPT2: llml__vocab_split_gpt2(v, cp, s, e, pc); break;
        case LLML__VST_LLAMA3: llml__vocab_split_llama3(v, cp, s, e, 3, pc); break;
        case LLML__VST_QWEN2: llml__vocab_split_llama3(v, cp, s, e, 1, pc); break;
        case LLML__VST_TRAIL_WS:
            p = e;
            while (p > s && llml__vocab_is_ws(cp[p - 1])) p--;
            pc->prev_end = s;
            llml__vocab_cut(pc, p);
            llml__vocab_cut(pc, e);
            break;
        default:
            p = s;
            pc->prev_end = s;
            while (p < e) {
                size_t m = llml__vocab_match(v, stage, cp, p, e);
                if (m == 0) { p++; continue; }
                llml__vocab_cut(pc, p);
                p += m;
                llml__vocab_cut(pc, p);
            }
            llml__vocab_cut(pc, e);
            break;
        }
        s = e;
    }
}

/* ---- merge queues ---------------------------------------------------------- */

static int llml__vocab_spm_before(const llml__vocab_spm_big *a, const llml__vocab_spm_big *b) {
    return a->score > b->score || (a->score == b->score && a->left < b->left);
}
static void llml__vocab_spm_push(llml__vocab_spm_big *h, size_t *n, llml__vocab_spm_big x) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!llml__vocab_spm_before(&x, &h[parent])) break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = x;
}
static llml__vocab_spm_big llml__vocab_spm_pop(llml__vocab_spm_big *h, size_t *n) {
    llml__vocab_spm_big top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && llml__vocab_spm_before(&h[c + 1], &h[c])) c++;
        if (!llml__vocab_spm_before(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0) h[i] = last;
    return top;
}

static int llml__vocab_bpe_before(const llml__vocab_bpe_big *a, const llml__vocab_bpe_big *b) {
    return a->rank < b->rank || (a->rank == b->rank && a->left < b->left);
}
static void llml__vocab_bpe_push(llml__vocab_bpe_big *h, size_t *n, llml__vocab_bpe_big x) {
    size_t i = (*n)++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!llml__vocab_bpe_before(&x, &h[parent])) break;
        h[i] = h[parent];
        i = parent;
    }
    h[i] = x;
}
static llml__vocab_bpe_big llml__vocab_bpe_pop(llml__vocab_bpe_big *h, size_t *n) {
    llml__vocab_bpe_big top = h[0], last = h[--(*n)];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= *n) break;
        if (c + 1 < *n && llml__vocab_bpe_before(&h[c + 1], &h[c])) c++;
        if (!llml__vocab_bpe_before(&h[c], &last)) break;
        h[i] = h[c];
        i = c;
    }
    if (*n > 0) h[i] = last;
    return top;
}

/* ---- SPM ------------------------------------------------------------------ */

static void llml__vocab_spm_bigram(const llml_vocab *v, const char *t, const llml__vocab_spm_sym *sym,
                                   int32_t left, int32_t right, llml__vocab_spm_big *h, size_t *nh) {
    llml__vocab_spm_big b;
    int32_t id;
    if (left < 0 || right < 0) return;
    b.size = sym[left].len + sym[right].len;
    id = llml__vocab_lookup(v, t + sym[left].start, b.size);
    if (id < 0) return;
    b.score = v->scores[id];
    b.left = left;
    b.right = right;
    llml__vocab_spm_push(h, nh, b);
}

/* one text fragment: spaces become U+2581, optionally one is put in front */
static int llml__vocab_spm_fragment(llml__vocab_work *w, const char *text, size_t n, int prefix) {
    const llml_vocab *v = w->v;
    size_t i, len = 0, nsym = 0, nh = 0;
    char *t;
    llml__vocab_spm_sym *sym;
    llml__vocab_spm_big *h;
    int32_t k;
    if (!llml__vocab_reserve(v, &w->bytes, 3 * n + 3)) return 0;
    t = (char *)w->bytes.p;
    if (prefix) { memcpy(t, "\xE2\x96\x81", 3); len = 3; }
    for (i = 0; i < n; i++) {
        if (text[i] == ' ') { memcpy(t + len, "\xE2\x96\x81", 3); len += 3; }
        else t[len++] = text[i];
    }
    if (!llml__vocab_reserve(v, &w->sym, sizeof(llml__vocab_spm_sym) * (len + 1)) ||
        !llml__vocab_reserve(v, &w->heap, sizeof(llml__vocab_spm_big) * (3 * len + 3)))
        return 0;
    t = (char *)w->bytes.p;
    sym = (llml__vocab_spm_sym *)w->sym.p;
    h = (llml__vocab_spm_big *)w->heap.p;
    /* symbols: one per UTF-8 lead byte (the length its top bits announce, cut at the end) */
    for (i = 0; i < len;) {
        unsigned hb = (unsigned char)t[i] >> 4;
        size_t cl = hb < 12 ? 1 : hb < 14 ? 2 : hb == 14 ? 3 : 4;
        if (cl > len - i) cl = len - i;
        sym[nsym].start = (uint32_t)i;
        sym[nsym].len = (uint32_t)cl;
        sym[nsym].prev = (int32_t)nsym - 1;
        i += cl;
        sym[nsym].next = i == len ? -1 : (int32_t)nsym + 1;
        nsym++;
    }
    for (i = 1; i < nsym; i++) llml__vocab_spm_bigram(v, t, sym, (int32_t)i - 1, (int32_t)i, h, &nh);
    while (nh > 0) {
        llml__vocab_spm_big b = llml__vocab_spm_pop(h, &nh);
        llml__vocab_spm_sym *l = &sym[b.left], *r = &sym[b.right];
        if (l->len == 0 || r->len == 0 || l->len + r->len != b.size) continue;
        l->len += r->len;
        r->len = 0;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = b.left;
        llml__vocab_spm_bigram(v, t, sym, l->prev, b.left, h, &nh);
        llml__vocab_spm_bigram(v, t, sym, b.left, l->next, h, &nh);
    }
    for (k = nsym > 0 ? 0 : -1; k != -1; k = sym[k].next) {
        int32_t id = llml__vocab_lookup(v, t + sym[k].start, sym[k].len);
        uint32_t j;
        if (id >= 0) { llml__vocab_emit(w, id); continue; }
        for (j = 0; j < sym[k].len; j++) {
            int32_t bt = v->byte_tok[(unsigned char)t[sym[k].start + j]];
            if (bt < 0) bt = v->special[LLML_TOKEN_UNK];
            if (bt >= 0) llml__vocab_emit(w, bt);
        }
    }
    return 1;
}

/* ---- BPE ------------------------------------------------------------------ */

static void llml__vocab_bpe_bigram(const llml_vocab *v, const llml__vocab_bpe_sym *sym, int32_t left, int32_t right,
                                   llml__vocab_bpe_big *h, size_t *nh) {
    llml__vocab_bpe_big b;
    if (left < 0 || right < 0) return;
    if (!llml__vocab_merge(v, sym[left].id, sym[right].id, &b.rank, &b.result)) return;
    b.left = left;
    b.right = right;
    b.lid = sym[left].id;
    b.rid = sym[right].id;
    llml__vocab_bpe_push(h, nh, b);
}

/* byte-level text of bytes b[0..n) into w->enc; returns its length or (size_t)-1 */
static size_t llml__vocab_bpe_encode(llml__vocab_work *w, const unsigned char *b, size_t n) {
    size_t i, len = 0;
    char *e;
    if (!llml__vocab_reserve(w->v, &w->enc, 2 * n + 1)) return (size_t)-1;
    e = (char *)w->enc.p;
    for (i = 0; i < n; i++) len += llml__vocab_utf8_put(w->v->byte_cp[b[i]], e + len);
    return len;
}

/* one pre-tokenized word (raw bytes) */
static int llml__vocab_bpe_word(llml__vocab_work *w, const unsigned char *b, size_t n) {
    const llml_vocab *v = w->v;
    llml__vocab_bpe_sym *sym;
    llml__vocab_bpe_big *h;
    size_t i, nh = 0;
    int32_t k;
    if (n == 0) return 1;
    if (v->ignore_merges) {
        size_t len = llml__vocab_bpe_encode(w, b, n);
        int32_t id;
        if (len == (size_t)-1) return 0;
        id = llml__vocab_lookup(v, (const char *)w->enc.p, len);
        if (id >= 0) { llml__vocab_emit(w, id); return 1; }
    }
    if (!llml__vocab_reserve(v, &w->sym, sizeof(llml__vocab_bpe_sym) * n) ||
        !llml__vocab_reserve(v, &w->heap, sizeof(llml__vocab_bpe_big) * (3 * n + 3)))
        return 0;
    sym = (llml__vocab_bpe_sym *)w->sym.p;
    h = (llml__vocab_bpe_big *)w->heap.p;
    for (i = 0; i < n; i++) {
        sym[i].start = (uint32_t)i;
        sym[i].len = 1;
        sym[i].id = v->byte_tok[b[i]];
        sym[i].prev = (int32_t)i - 1;
        sym[i].next = i + 1 == n ? -1 : (int32_t)i + 1;
    }
    for (i = 1; i < n; i++) llml__vocab_bpe_bigram(v, sym, (int32_t)i - 1, (int32_t)i, h, &nh);
    while (nh > 0) {
        llml__vocab_bpe_big g = llml__vocab_bpe_pop(h, &nh);
        llml__vocab_bpe_sym *l = &sym[g.left], *r = &sym[g.right];
        if (l->len == 0 || r->len == 0 || l->id != g.lid || r->id != g.rid || l->next != g.right) continue;
        l->len += r->len;
        l->id = g.result;
        r->len = 0;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = g.left;
        llml__vocab_bpe_bigram(v, sym, l->prev, g.left, h, &nh);
        llml__vocab_bpe_bigram(v, sym, g.left, l->next, h, &nh);
    }
    for (k = 0; k != -1; k = sym[k].next) {
        uint32_t j;
        if (sym[k].id >= 0) { llml__vocab_emit(w, sym[k].id); continue; }
        /* not a token: each byte of its byte-level text that is a token by itself */
        for (j = 0; j < sym[k].len; j++) {
            char e[4];
            size_t el = llml__vocab_utf8_put(v->byte_cp[b[sym[k].start + j]], e), q;
            for (q = 0; q < el; q++) {
                int32_t id = llml__vocab_lookup(v, e + q, 1);
                if (id >= 0) llml__vocab_emit(w, id);
            }
        }
    }
    return 1;
}

/* decode text[0..n) to code points in w->cps; returns the count or (size_t)-1 */
static size_t llml__vocab_decode(llml__vocab_work *w, const char *text, size_t n) {
    size_t pos = 0, k = 0;
    uint32_t *cp;
    if (!llml__vocab_reserve(w->v, &w->cps, sizeof(uint32_t) * (n + 1))) return (size_t)-1;
    cp = (uint32_t *)w->cps.p;
    while (pos < n) cp[k++] = llml__vocab_utf8_next((const unsigned char *)text, n, &pos);
    return k;
}

static int llml__vocab_bpe_fragment(llml__vocab_work *w, const char *text, size_t n) {
    const llml_vocab *v = w->v;
    const unsigned char *stages = llml__vocab_stages[v->pre];
    size_t ncp, nin, k, s;
    uint32_t *cp, *in;
    int cur = 0, st;
    ncp = llml__vocab_decode(w, text, n);
    if (ncp == (size_t)-1) return 0;
    if (ncp == 0) return 1;
    if (!llml__vocab_reserve(v, &w->chunk[0], sizeof(uint32_t) * ncp) ||
        !llml__vocab_reserve(v, &w->chunk[1], sizeof(uint32_t) * ncp) ||
        !llml__vocab_reserve(v, &w->bytes, 4 * ncp))
        return 0;
    cp = (uint32_t *)w->cps.p;
    in = (uint32_t *)w->chunk[0].p;
    in[0] = (uint32_t)ncp;
    nin = 1;
    for (st = 0; st < 7 && stages[st] != LLML__VST_END; st++) {
        llml__vocab_pieces pc;
        pc.out = (uint32_t *)w->chunk[1 - cur].p;
        pc.n = 0;
        pc.prev_end = 0;
        llml__vocab_split_stage(v, stages[st], cp, (const uint32_t *)w->chunk[cur].p, nin, &pc);
        cur = 1 - cur;
        nin = pc.n;
    }
    in = (uint32_t *)w->chunk[cur].p;
    for (k = 0, s = 0; k < nin; k++) {
        unsigned char *b = (unsigned char *)w->bytes.p;
        size_t j, len = 0;
        for (j = s; j < s + in[k]; j++) len += llml__vocab_utf8_put(cp[j], (char *)b + len);
        s += in[k];
        if (!llml__vocab_bpe_word(w, b, len)) return 0;
    }
    return 1;
}

/* ---- WordPiece ------------------------------------------------------------ */

static int llml__vocab_is_chinese(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* one word, already prefixed with U+2581: longest-first pieces, all or [UNK] */
static void llml__vocab_wpm_word(llml__vocab_work *w, const char *word, size_t n) {
    const llml_vocab *v = w->v;
    size_t before = w->n, i;
    if (n <= 3) return;
    for (i = 0; i < n; i++) {
        size_t j = i + (size_t)v->max_token_len + 1;
        int found = 0;
        if (j > n) j = n;
        for (; j > i; j--) {
            int32_t id = llml__vocab_lookup(v, word + i, j - i);
            if (id >= 0) { llml__vocab_emit(w, id); i = j - 1; found = 1; break; }
        }
        if (!found) { w->n = before; break; }
    }
    if (w->n == before && v->special[LLML_TOKEN_UNK] >= 0) llml__vocab_emit(w, v->special[LLML_TOKEN_UNK]);
}

static int llml__vocab_wpm_fragment(llml__vocab_work *w, const char *text, size_t n) {
    const llml_vocab *v = w->v;
    size_t ncp, k, len = 3;
    uint32_t *cp;
    char *word;
    ncp = llml__vocab_decode(w, text, n);
    if (ncp == (size_t)-1) return 0;
    if (!llml__vocab_reserve(v, &w->bytes, 4 * ncp + 8)) return 0;
    cp = (uint32_t *)w->cps.p;
    word = (char *)w->bytes.p;
    memcpy(word, "\xE2\x96\x81", 3);
    for (k = 0; k < ncp; k++) {
        uint32_t c = v->strip_accents ? llml__vocab_nfd_first(v, cp[k]) : cp[k];
        unsigned f = llml__vocab_uflags(v, c);
        if (f & LLML__UF_WS) { llml__vocab_wpm_word(w, word, len); len = 3; continue; }
        if (c == 0 || c == 0xFFFD || LLML__UF_IS(f, LLML__UC_CTRL)) continue;
        /* combining marks stay (the reference's test data keeps them: "हिन्दी" is [UNK]) */
        if (LLML__UF_IS(f, LLML__UC_PUNCT) || (c < 0x7F && LLML__UF_IS(f, LLML__UC_SYMBOL)) || llml__vocab_is_chinese(c)) {
            llml__vocab_wpm_word(w, word, len);
            len = 3 + llml__vocab_utf8_put(v->lowercase ? llml__vocab_tolower(v, c) : c, word + 3);
            llml__vocab_wpm_word(w, word, len);
            len = 3;
            continue;
        }
        len += llml__vocab_utf8_put(v->lowercase ? llml__vocab_tolower(v, c) : c, word + len);
    }
    llml__vocab_wpm_word(w, word, len);
    return 1;
}

/* ---- special-token partition ----------------------------------------------- */

/* Split text into raw pieces and special tokens: each special token in turn
   (longest text first) cuts every raw piece at its occurrences; LSTRIP /
   RSTRIP tokens eat the whitespace beside them. Result in w->frag[*which]. */
static int llml__vocab_partition(llml__vocab_work *w, const char *text, size_t n, int parse_special,
                                 size_t *n_frag, int *which) {
    const llml_vocab *v = w->v;
    unsigned char present[256];
    int cur = 0;
    size_t nf = 0, i;
    int32_t s;
    *n_frag = 0;
    *which = 0;
    if (n == 0) return 1;
    if (!llml__vocab_reserve(v, &w->frag[0], sizeof(llml__vocab_frag) * 16)) return 0;
    ((llml__vocab_frag *)w->frag[0].p)[0].tok = -1;
    ((llml__vocab_frag *)w->frag[0].p)[0].off = 0;
    ((llml__vocab_frag *)w->frag[0].p)[0].len = (uint32_t)n;
    nf = 1;
    memset(present, 0, sizeof(present));
    for (i = 0; i < n; i++) present[(unsigned char)text[i]] = 1;
    for (s = 0; s < v->n_special; s++) {
        int32_t id = v->special_list[s];
        uint16_t at = v->attrs[id];
        size_t tl, nout = 0;
        const char *t = llml__vocab_text(v, id, &tl);
        const llml__vocab_frag *in;
        if (!parse_special && (at & (LLML_TOKEN_ATTR_CONTROL | LLML_TOKEN_ATTR_UNKNOWN))) continue;
        if (tl == 0 || tl > n || !present[(unsigned char)t[0]]) continue;
        for (i = 0; i < nf; i++) {
            size_t base, blen;
            in = (const llml__vocab_frag *)w->frag[cur].p + i;
            if (!llml__vocab_reserve(v, &w->frag[1 - cur], sizeof(llml__vocab_frag) * (nout + 4))) return 0;
            if (in->tok >= 0) {
                ((llml__vocab_frag *)w->frag[1 - cur].p)[nout++] = *in;
                continue;
            }
            base = in->off;
            blen = in->len;
            for (;;) {
                const char *hit = NULL, *p = text + base, *end = text + base + blen;
                llml__vocab_frag *o;
                size_t match, left_len, right_off, right_len;
                while (p + tl <= end) {
                    const char *q = (const char *)memchr(p, (unsigned char)t[0], (size_t)(end - p) - tl + 1);
                    if (!q) break;
                    if (memcmp(q, t, tl) == 0) { hit = q; break; }
                    p = q + 1;
                }
                if (!llml__vocab_reserve(v, &w->frag[1 - cur], sizeof(llml__vocab_frag) * (nout + 4))) return 0;
                o = (llml__vocab_frag *)w->frag[1 - cur].p;
                if (!hit) {
                    if (blen > 0) { o[nout].tok = -1; o[nout].off = (uint32_t)base; o[nout].len = (uint32_t)blen; nout++; }
                    break;
                }
                match = (size_t)(hit - text);
                left_len = match - base;
                if (at & LLML_TOKEN_ATTR_LSTRIP)
                    while (left_len > 0 && llml__vocab_isspace((unsigned char)text[base + left_len - 1])) left_len--;
                if (left_len > 0) { o[nout].tok = -1; o[nout].off = (uint32_t)base; o[nout].len = (uint32_t)left_len; nout++; }
                o[nout].tok = id; o[nout].off = (uint32_t)match; o[nout].len = (uint32_t)tl; nout++;
                right_off = match + tl;
                right_len = base + blen - right_off;
                if (at & LLML_TOKEN_ATTR_RSTRIP)
                    while (right_len > 0 && llml__vocab_isspace((unsigned char)text[right_off])) { right_off++; right_len--; }
                base = right_off;
                blen = right_len;
                if (blen == 0) break;
            }
        }
        cur = 1 - cur;
        nf = nout;
    }
    *n_frag = nf;
    *which = cur;
    return 1;
}

/* ---- loading ---------------------------------------------------------------- */

/* texts the reference turns into CONTROL tokens (end of turn / generation) */
static const char *const llml__vocab_eog_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<end_of_turn>", "<|endoftext|>",
    "<|eom_id|>", "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>",
    "<\xEF\xBD\x9C" "end\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>", NULL
};
/* end-of-turn candidates, in order of preference */
static const char *const llml__vocab_eot_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>",
    "_<EOT>", "<\xEF\xBD\x9C" "end\xE2\x96\x81" "of\xE2\x96\x81" "sentence\xEF\xBD\x9C>", "<end_of_utterance>", NULL
};
static const char *const llml__vocab_fim_texts[6][9] = {
    { "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "begin\xEF\xBD\x9C>",
      "<PRE>", "\xE2\x96\x81<PRE>", "<|code_prefix|>", NULL, NULL },
    { "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "hole\xEF\xBD\x9C>",
      "<SUF>", "\xE2\x96\x81<SUF>", "<|code_suffix|>", NULL, NULL },
    { "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\xEF\xBD\x9C" "fim\xE2\x96\x81" "end\xEF\xBD\x9C>",
      "<MID>", "\xE2\x96\x81<MID>", "<|code_middle|>", NULL, NULL },
    { "<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", NULL, NULL, NULL, NULL, NULL },
    { "<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>", NULL, NULL, NULL, NULL },
    { "<|file_sep|>", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

static int32_t llml__vocab_find_cstr(const llml_vocab *v, const char *s) {
    return llml__vocab_lookup(v, s, strlen(s));
}

/* a boolean key (absent: keep *val) */
static void llml__vocab_get_flag(const llml_gguf *g, const char *key, int *val) {
    int b;
    if (llml_gguf_get_bool(g, key, &b) == LLML_OK) *val = b != 0;
}

static llml_result llml__vocab_fail(llml_vocab *v, llml_error *err, llml_result code, const char *what, const char *key) {
    llml__set_error(err, code, UINT64_MAX, "%s: %s", key, what);
    llml_vocab_free(v);
    return code;
}

/* the merges list -> pair table */
static llml_result llml__vocab_load_merges(llml_vocab *v, const llml_gguf *g, int64_t idx) {
    uint64_t n = llml_gguf_arr_len(g, idx), i;
    uint64_t cap = 16;
    while (cap < 2 * n + 2) cap <<= 1;
    if (cap > 0x40000000u) return LLML_ERR_CORRUPT;
    v->merge_mask = (uint32_t)(cap - 1);
    v->merge_key = (uint64_t *)llml__vocab_alloc(v, sizeof(uint64_t) * (size_t)cap);
    v->merge_val = (int32_t *)llml__vocab_alloc(v, sizeof(int32_t) * 2 * (size_t)cap);
    if (!v->merge_key || !v->merge_val) return LLML_ERR_OUT_OF_MEMORY;
    memset(v->merge_key, 0xFF, sizeof(uint64_t) * (size_t)cap);
    for (i = 0; i < n && i < 0x7FFFFFFF; i++) {
        const char *s = llml_gguf_arr_str(g, idx, i), *sp;
        uint64_t len = llml_gguf_arr_str_len(g, idx, i), key;
        int32_t a, b;
        uint32_t slot;
        if (!s || len < 3) continue;
        sp = (const char *)memchr(s + 1, ' ', (size_t)len - 1);   /* first space after the first byte */
        if (!sp) continue;
        a = llml__vocab_lookup(v, s, (size_t)(sp - s));
        b = llml__vocab_lookup(v, sp + 1, (size_t)(s + len - sp - 1));
        if (a < 0 || b < 0) continue;
        key = ((uint64_t)(uint32_t)a << 32) | (uint32_t)b;
        slot = (uint32_t)llml__vocab_mix(key) & v->merge_mask;
        while (v->merge_key[slot] != UINT64_MAX && v->merge_key[slot] != key) slot = (slot + 1) & v->merge_mask;
        if (v->merge_key[slot] == key) continue;          /* the first rank of a pair wins */
        v->merge_key[slot] = key;
        v->merge_val[2 * slot] = (int32_t)i;
        {
            /* id of the merged text */
            size_t la, lb;
            const char *ta = llml__vocab_text(v, a, &la), *tb = llml__vocab_text(v, b, &lb);
            char small[256];
            char *buf = la + lb <= sizeof(small) ? small : (char *)llml__vocab_alloc(v, la + lb);
            if (!buf) return LLML_ERR_OUT_OF_MEMORY;
            memcpy(buf, ta, la);
            memcpy(buf + la, tb, lb);
            v->merge_val[2 * slot + 1] = llml__vocab_lookup(v, buf, la + lb);
            if (buf != small) llml__vocab_dealloc(v, buf, la + lb);
        }
    }
    return LLML_OK;
}

static int llml__vocab_cmp_special(const llml_vocab *v, int32_t a, int32_t b) {
    size_t la = v->text_off[a + 1] - v->text_off[a], lb = v->text_off[b + 1] - v->text_off[b];
    if (la != lb) return la > lb ? -1 : 1;
    return a < b ? -1 : a > b;
}

/* sort the special list: longest text first, then by id (merge sort, stable) */
static int llml__vocab_sort_special(llml_vocab *v) {
    size_t n = (size_t)v->n_special, width, i;
    int32_t *tmp, *a = v->special_list, *b;
    if (n < 2) return 1;
    tmp = (int32_t *)llml__vocab_alloc(v, sizeof(int32_t) * n);
    if (!tmp) return 0;
    b = tmp;
    for (width = 1; width < n; width *= 2) {
        int32_t *t;
        for (i = 0; i < n; i += 2 * width) {
            size_t lo = i, mid = LLML__MIN(i + width, n), hi = LLML__MIN(i + 2 * width, n), p = lo, q = mid, k = lo;
            while (p < mid && q < hi) b[k++] = llml__vocab_cmp_special(v, a[q], a[p]) < 0 ? a[q++] : a[p++];
            while (p < mid) b[k++] = a[p++];
            while (q < hi) b[k++] = a[q++];
        }
        t = a; a = b; b = t;
    }
    if (a != v->special_list) memcpy(v->special_list, a, sizeof(int32_t) * n);
    llml__vocab_dealloc(v, tmp, sizeof(int32_t) * n);
    return 1;
}

static void llml__vocab_lower_ascii(char *s) {
    for (; *s; s++) if (*s >= 'A' && *s <= 'Z') *s = (char)(*s + 32);
}

LLML_API llml_result llml_vocab_load(const llml_gguf *g, const llml_allocator *a, llml_vocab **out, llml_error *err) {
    static const char *const special_keys[LLML_TOKEN_SPECIAL_COUNT] = {
        "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
        "tokenizer.ggml.eom_token_id", "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.seperator_token_id",
        "tokenizer.ggml.padding_token_id", "tokenizer.ggml.mask_token_id", "tokenizer.ggml.fim_pre_token_id",
        "tokenizer.ggml.fim_suf_token_id", "tokenizer.ggml.fim_mid_token_id", "tokenizer.ggml.fim_pad_token_id",
        "tokenizer.ggml.fim_rep_token_id", "tokenizer.ggml.fim_sep_token_id"
    };
    llml_vocab *v;
    const char *model = NULL, *pre = NULL, *name = NULL, *arch = NULL;
    int64_t tok_idx, score_idx, type_idx, merge_idx;
    uint64_t n64, i;
    size_t blob = 0, cap;
    const void *scores = NULL, *types = NULL;
    int scores_int = 0, pre_opts = 0, j;
    llml_result r;
    char namebuf[128];

    if (out) *out = NULL;
    if (!g || !out) { llml__set_error(err, LLML_ERR_INVALID_ARG, UINT64_MAX, "NULL argument"); return LLML_ERR_INVALID_ARG; }
    v = (llml_vocab *)llml__calloc(a, sizeof(llml_vocab));
    if (!v) { llml__set_error(err, LLML_ERR_OUT_OF_MEMORY, UINT64_MAX, "out of memory"); return LLML_ERR_OUT_OF_MEMORY; }
    if (a) v->alloc = *a;
    for (j = 0; j < LLML_TOKEN_SPECIAL_COUNT; j++) v->special[j] = -1;
    for (j = 0; j < 256; j++) v->byte_tok[j] = -1;

    /* kind and defaults */
    r = llml_gguf_get_str(g, "tokenizer.ggml.model", &model);
    if (r != LLML_OK) return llml__vocab_fail(v, err, r, r == LLML_ERR_NOT_FOUND ? "missing" : "not a string", "tokenizer.ggml.model");
    if (llml_gguf_get_str(g, "tokenizer.ggml.pre", &pre) != LLML_OK || !pre[0]) pre = NULL;
    if (strcmp(model, "llama") == 0) {
        v->type = LLML_VOCAB_SPM;
        v->special[LLML_TOKEN_BOS] = 1; v->special[LLML_TOKEN_EOS] = 2; v->special[LLML_TOKEN_UNK] = 0;
        v->add_space_prefix = 1; v->add_bos = 1;
    } else if (strcmp(model, "bert") == 0) {
        v->type = LLML_VOCAB_WPM;
        v->special[LLML_TOKEN_BOS] = 101; v->special[LLML_TOKEN_UNK] = 100; v->special[LLML_TOKEN_SEP] = 102;
        v->special[LLML_TOKEN_PAD] = 0; v->special[LLML_TOKEN_MASK] = 103;
        v->clean_spaces = 1; v->add_bos = 1; v->add_sep = 1;
    } else if (strcmp(model, "gpt2") == 0) {
        size_t k;
        v->type = LLML_VOCAB_BPE;
        v->special[LLML_TOKEN_BOS] = 11; v->special[LLML_TOKEN_EOS] = 11;
        v->clean_spaces = 1;
        if (!pre) pre = "default";
        for (k = 0; k < sizeof(llml__vocab_pres) / sizeof(llml__vocab_pres[0]); k++)
            if (strcmp(pre, llml__vocab_pres[k].name) == 0) break;
        if (k == sizeof(llml__vocab_pres) / sizeof(llml__vocab_pres[0])) {
            llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "tokenizer.ggml.pre: pre-tokenizer '%.64s' not supported", pre);
            llml_vocab_free(v);
            return LLML_ERR_UNSUPPORTED;
        }
        v->pre = llml__vocab_pres[k].pre;
        pre_opts = llml__vocab_pres[k].opts;
        if (pre_opts & LLML__VPF_NO_CLEAN) v->clean_spaces = 0;
        if (pre_opts & LLML__VPF_IGNORE_MERGES) v->ignore_merges = 1;
        if (pre_opts & LLML__VPF_ADD_BOS) v->add_bos = 1;
        if (pre_opts & LLML__VPF_ADD_SEP) v->add_sep = 1;
        if (pre_opts & LLML__VPF_NO_BOS_ID) v->special[LLML_TOKEN_BOS] = -1;
        snprintf(v->pre_name, sizeof(v->pre_name), "%s", pre);
    } else {
        llml__set_error(err, LLML_ERR_UNSUPPORTED, UINT64_MAX, "tokenizer.ggml.model: tokenizer '%.64s' not supported", model);
        llml_vocab_free(v);
        return LLML_ERR_UNSUPPORTED;
    }
    llml__vocab_get_flag(g, "tokenizer.ggml.add_space_prefix", &v->add_space_prefix);

    /* token list */
    tok_idx = llml_gguf_find_key(g, "tokenizer.ggml.tokens");
    if (tok_idx < 0) return llml__vocab_fail(v, err, LLML_ERR_NOT_FOUND, "missing", "tokenizer.ggml.tokens");
    if (llml_gguf_kv_type(g, tok_idx) != LLML_GGUF_ARRAY || llml_gguf_arr_type(g, tok_idx) != LLML_GGUF_STRING)
        return llml__vocab_fail(v, err, LLML_ERR_TYPE_MISMATCH, "not an array of strings", "tokenizer.ggml.tokens");
    n64 = llml_gguf_arr_len(g, tok_idx);
    if (n64 == 0 || n64 > 0x7FFFFFF0u) return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "bad token count", "tokenizer.ggml.tokens");
    v->n_tokens = (int32_t)n64;

    score_idx = llml_gguf_find_key(g, "tokenizer.ggml.scores");
    if (score_idx >= 0) {
        llml_gguf_vtype at = llml_gguf_kv_type(g, score_idx) == LLML_GGUF_ARRAY ? llml_gguf_arr_type(g, score_idx) : LLML_GGUF_VTYPE_COUNT;
        if (at != LLML_GGUF_FLOAT32 && at != LLML_GGUF_INT32)
            return llml__vocab_fail(v, err, LLML_ERR_TYPE_MISMATCH, "not an array of f32", "tokenizer.ggml.scores");
        if (llml_gguf_arr_len(g, score_idx) < n64)
            return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "fewer scores than tokens", "tokenizer.ggml.scores");
        scores = llml_gguf_arr_data(g, score_idx);
        scores_int = at == LLML_GGUF_INT32;
        if (!scores) return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "no data", "tokenizer.ggml.scores");
    }
    type_idx = llml_gguf_find_key(g, "tokenizer.ggml.token_type");
    if (type_idx >= 0) {
        if (llml_gguf_kv_type(g, type_idx) != LLML_GGUF_ARRAY || llml_gguf_arr_type(g, type_idx) != LLML_GGUF_INT32)
            return llml__vocab_fail(v, err, LLML_ERR_TYPE_MISMATCH, "not an array of i32", "tokenizer.ggml.token_type");
        if (llml_gguf_arr_len(g, type_idx) < n64)
            return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "fewer types than tokens", "tokenizer.ggml.token_type");
        types = llml_gguf_arr_data(g, type_idx);
        if (!types) return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "no data", "tokenizer.ggml.token_type");
    }

    /* texts: one blob; an empty text becomes "[EMPTY_<id>]" as in the reference */
    for (i = 0; i < n64; i++) {
        uint64_t len = llml_gguf_arr_str_len(g, tok_idx, i);
        if (len == 0) len = 32;
        blob += (size_t)len + 1;
        if (blob > 0xFFFFFFF0u) return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "token texts too large", "tokenizer.ggml.tokens");
    }
    v->blob_size = blob;
    v->blob = (char *)llml__vocab_alloc(v, blob);
    v->text_off = (uint32_t *)llml__vocab_alloc(v, sizeof(uint32_t) * ((size_t)n64 + 1));
    v->scores = (float *)llml__vocab_alloc(v, sizeof(float) * (size_t)n64);
    v->attrs = (uint16_t *)llml__vocab_alloc(v, sizeof(uint16_t) * (size_t)n64);
    for (cap = 16; cap < 2 * (size_t)n64; cap <<= 1) {}
    v->hash_mask = (uint32_t)(cap - 1);
    v->hash = (int32_t *)llml__vocab_alloc(v, sizeof(int32_t) * cap);
    if (!v->blob || !v->text_off || !v->scores || !v->attrs || !v->hash)
        return llml__vocab_fail(v, err, LLML_ERR_OUT_OF_MEMORY, "out of memory", "tokenizer.ggml.tokens");
    memset(v->hash, 0xFF, sizeof(int32_t) * cap);
    blob = 0;
    for (i = 0; i < n64; i++) {
        const char *s = llml_gguf_arr_str(g, tok_idx, i);
        size_t len = (size_t)llml_gguf_arr_str_len(g, tok_idx, i);
        uint32_t slot;
        int32_t id = (int32_t)i;
        v->text_off[i] = (uint32_t)blob;
        if (len == 0 || !s) {
            len = (size_t)snprintf(v->blob + blob, 32, "[EMPTY_%d]", id);
        } else {
            memcpy(v->blob + blob, s, len);
        }
        v->blob[blob + len] = 0;
        if ((int32_t)len > v->max_token_len) v->max_token_len = (int32_t)len;
        slot = (uint32_t)llml__vocab_fnv(v->blob + blob, len) & v->hash_mask;
        while (v->hash[slot] >= 0) {
            int32_t o = v->hash[slot];
            if (v->text_off[o + 1] - 1 - v->text_off[o] == len && memcmp(v->blob + v->text_off[o], v->blob + blob, len) == 0) {
                llml__set_error(err, LLML_ERR_DUPLICATE, UINT64_MAX,
                                "tokenizer.ggml.tokens: duplicate token text '%.64s' (ids %d and %d)", v->blob + blob, o, id);
                llml_vocab_free(v);
                return LLML_ERR_DUPLICATE;
            }
            slot = (slot + 1) & v->hash_mask;
        }
        blob += len + 1;
        v->text_off[i + 1] = (uint32_t)blob;   /* needed by the duplicate check of later tokens */
        v->hash[slot] = id;
        if (scores) {
            if (scores_int) { int32_t q; memcpy(&q, (const char *)scores + 4 * i, 4); v->scores[i] = (float)q; }
            else memcpy(&v->scores[i], (const char *)scores + 4 * i, 4);
        } else {
            v->scores[i] = 0.0f;
        }
        if (types) {
            int32_t t;
            memcpy(&t, (const char *)types + 4 * i, 4);
            switch (t) {
            case 1: v->attrs[i] = LLML_TOKEN_ATTR_NORMAL; break;
            case 2: v->attrs[i] = LLML_TOKEN_ATTR_UNKNOWN; break;
            case 3: v->attrs[i] = LLML_TOKEN_ATTR_CONTROL; break;
            case 4: v->attrs[i] = LLML_TOKEN_ATTR_USER_DEFINED; break;
            case 5: v->attrs[i] = LLML_TOKEN_ATTR_UNUSED; break;
            case 6: v->attrs[i] = LLML_TOKEN_ATTR_BYTE; break;
            default: v->attrs[i] = 0; break;
            }
        } else {
            v->attrs[i] = LLML_TOKEN_ATTR_NORMAL;
        }
    }

    r = llml__vocab_unicode_init(v);
    if (r != LLML_OK) return llml__vocab_fail(v, err, r, "out of memory", "unicode tables");

    /* byte tokens and merges */
    for (j = 0; j < 256; j++) {
        char e[8];
        size_t el;
        v->byte_cp[j] = (uint16_t)llml__vocab_byte_to_cp((unsigned)j);
        if (v->type == LLML_VOCAB_BPE) {
            el = llml__vocab_utf8_put(v->byte_cp[j], e);
            v->byte_tok[j] = llml__vocab_lookup(v, e, el);
        } else if (v->type == LLML_VOCAB_SPM) {
            static const char hex[] = "0123456789ABCDEF";
            e[0] = '<'; e[1] = '0'; e[2] = 'x'; e[3] = hex[j >> 4]; e[4] = hex[j & 15]; e[5] = '>';
            v->byte_tok[j] = llml__vocab_lookup(v, e, 6);
            if (v->byte_tok[j] < 0) { e[0] = (char)j; v->byte_tok[j] = llml__vocab_lookup(v, e, 1); }
        }
    }
    for (j = 0; j < 324; j++) v->cp_byte[j] = (int16_t)llml__vocab_cp_to_byte((uint32_t)j);
    if (v->type == LLML_VOCAB_BPE) {
        merge_idx = llml_gguf_find_key(g, "tokenizer.ggml.merges");
        if (merge_idx < 0) return llml__vocab_fail(v, err, LLML_ERR_NOT_FOUND, "missing", "tokenizer.ggml.merges");
        if (llml_gguf_kv_type(g, merge_idx) != LLML_GGUF_ARRAY || llml_gguf_arr_type(g, merge_idx) != LLML_GGUF_STRING)
            return llml__vocab_fail(v, err, LLML_ERR_TYPE_MISMATCH, "not an array of strings", "tokenizer.ggml.merges");
        r = llml__vocab_load_merges(v, g, merge_idx);
        if (r != LLML_OK) return llml__vocab_fail(v, err, r, r == LLML_ERR_OUT_OF_MEMORY ? "out of memory" : "too many merges", "tokenizer.ggml.merges");
    }

    /* special ids: defaults outside the vocab are dropped; keys override when in range */
    for (j = 0; j < LLML_TOKEN_SPECIAL_COUNT; j++) {
        int64_t id;
        if (v->special[j] >= v->n_tokens) v->special[j] = -1;
        if (llml_gguf_get_int(g, special_keys[j], &id) == LLML_OK && id >= 0 && id < v->n_tokens) v->special[j] = (int32_t)id;
    }
    {
        /* the older names of the first three FIM keys; read after the new ones, so
           they win when both are present (as in the reference) */
        static const char *const old_fim_keys[3] = {
            "tokenizer.ggml.prefix_token_id", "tokenizer.ggml.suffix_token_id", "tokenizer.ggml.middle_token_id"
        };
        int64_t id;
        for (j = 0; j < 3; j++)
            if (llml_gguf_get_int(g, old_fim_keys[j], &id) == LLML_OK && id >= 0 && id < v->n_tokens)
                v->special[LLML_TOKEN_FIM_PRE + j] = (int32_t)id;
    }
    {
        int64_t id;
        if (v->type == LLML_VOCAB_WPM && llml_gguf_find_key(g, "tokenizer.ggml.bos_token_id") < 0 &&
            llml_gguf_get_int(g, "tokenizer.ggml.cls_token_id", &id) == LLML_OK && id >= 0 && id < v->n_tokens)
            v->special[LLML_TOKEN_BOS] = (int32_t)id;
    }
    llml__vocab_get_flag(g, "tokenizer.ggml.add_bos_token", &v->add_bos);
    llml__vocab_get_flag(g, "tokenizer.ggml.add_eos_token", &v->add_eos);
    llml__vocab_get_flag(g, "tokenizer.ggml.add_sep_token", &v->add_sep);
    if (v->add_bos && v->special[LLML_TOKEN_BOS] < 0)
        return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "add_bos_token is true but there is no BOS token", "tokenizer.ggml.bos_token_id");
    if (v->add_eos && v->special[LLML_TOKEN_EOS] < 0)
        return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "add_eos_token is true but there is no EOS token", "tokenizer.ggml.eos_token_id");
    if (v->add_sep && v->special[LLML_TOKEN_SEP] < 0 && v->type == LLML_VOCAB_WPM)
        return llml__vocab_fail(v, err, LLML_ERR_CORRUPT, "add_sep_token is true but there is no SEP token", "tokenizer.ggml.seperator_token_id");
    v->lowercase = 1;
    llml__vocab_get_flag(g, "tokenizer.ggml.normalizer.lowercase", &v->lowercase);
    v->strip_accents = v->lowercase;
    llml__vocab_get_flag(g, "tokenizer.ggml.normalizer.strip_accents", &v->strip_accents);

    /* end-of-turn, fill-in-the-middle and end-of-generation texts become CONTROL */
    if (v->special[LLML_TOKEN_EOT] < 0) {
        for (j = 0; llml__vocab_eot_texts[j]; j++) {
            int32_t id = llml__vocab_find_cstr(v, llml__vocab_eot_texts[j]);
            if (id >= 0) { v->special[LLML_TOKEN_EOT] = id; v->attrs[id] |= LLML_TOKEN_ATTR_CONTROL; break; }
        }
    }
    if (v->special[LLML_TOKEN_EOM] < 0) {
        int32_t id = llml__vocab_find_cstr(v, "<|eom_id|>");
        if (id >= 0) { v->special[LLML_TOKEN_EOM] = id; v->attrs[id] |= LLML_TOKEN_ATTR_CONTROL; }
    }
    for (j = 0; j < 6; j++) {
        int k;
        if (v->special[LLML_TOKEN_FIM_PRE + j] >= 0) continue;
        for (k = 0; llml__vocab_fim_texts[j][k]; k++) {
            int32_t id = llml__vocab_find_cstr(v, llml__vocab_fim_texts[j][k]);
            if (id >= 0) { v->special[LLML_TOKEN_FIM_PRE + j] = id; v->attrs[id] |= LLML_TOKEN_ATTR_CONTROL; break; }
        }
    }
    for (j = 0; llml__vocab_eog_texts[j]; j++) {
        int32_t id = llml__vocab_find_cstr(v, llml__vocab_eog_texts[j]);
        if (id >= 0) v->attrs[id] |= LLML_TOKEN_ATTR_CONTROL | LLML__VATTR_EOG;
    }
    for (j = LLML_TOKEN_FIM_PAD; j <= LLML_TOKEN_FIM_SEP; j++)
        if (v->special[j] >= 0) v->attrs[v->special[j]] |= LLML__VATTR_EOG;
    if (v->special[LLML_TOKEN_EOS] >= 0) v->attrs[v->special[LLML_TOKEN_EOS]] |= LLML__VATTR_EOG;
    if (v->special[LLML_TOKEN_EOT] >= 0) v->attrs[v->special[LLML_TOKEN_EOT]] |= LLML__VATTR_EOG;
    if (v->special[LLML_TOKEN_EOM] >= 0) v->attrs[v->special[LLML_TOKEN_EOM]] |= LLML__VATTR_EOG;
    for (i = 0; i < n64; i++)
        if ((v->attrs[i] & LLML_TOKEN_ATTR_CONTROL) && strstr(v->blob + v->text_off[i], "unused"))
            v->attrs[i] |= LLML_TOKEN_ATTR_UNUSED;

    /* special-token list for the partition */
    for (i = 0; i < n64; i++)
        if (v->attrs[i] & (LLML_TOKEN_ATTR_CONTROL | LLML_TOKEN_ATTR_USER_DEFINED | LLML_TOKEN_ATTR_UNKNOWN)) v->n_special++;
    v->special_list = (int32_t *)llml__vocab_alloc(v, sizeof(int32_t) * (size_t)(v->n_special + 1));
    if (!v->special_list) return llml__vocab_fail(v, err, LLML_ERR_OUT_OF_MEMORY, "out of memory", "tokenizer.ggml.token_type");
    v->n_special = 0;
    for (i = 0; i < n64; i++)
        if (v->attrs[i] & (LLML_TOKEN_ATTR_CONTROL | LLML_TOKEN_ATTR_USER_DEFINED | LLML_TOKEN_ATTR_UNKNOWN))
            v->special_list[v->n_special++] = (int32_t)i;
    if (!llml__vocab_sort_special(v)) return llml__vocab_fail(v, err, LLML_ERR_OUT_OF_MEMORY, "out of memory", "tokenizer.ggml.token_type");

    /* per-model attributes the reference sets by name */
    llml_gguf_get_str(g, "general.name", &name);
    llml_gguf_get_str(g, "general.architecture", &arch);
    snprintf(namebuf, sizeof(namebuf), "%s", name ? name : "");
    llml__vocab_lower_ascii(namebuf);
    if ((pre && (strstr(pre, "jina-v2-de") || strstr(pre, "jina-v2-es") || strstr(pre, "jina-v2-code"))) ||
        (arch && (strstr(arch, "nomic-bert-moe") || strstr(arch, "jina-bert-v3")))) {
        int32_t id = llml__vocab_find_cstr(v, "<mask>");
        if (id >= 0) v->attrs[id] |= LLML_TOKEN_ATTR_LSTRIP;
    } else if (strstr(namebuf, "phi-3") || strstr(namebuf, "phi3")) {
        int32_t id;
        int k;
        static const char *const keep[3] = { "<unk>", "<s>", "<|endoftext|>" };
        for (j = 0; j < v->n_special; j++) v->attrs[v->special_list[j]] |= LLML_TOKEN_ATTR_RSTRIP;
        id = llml__vocab_find_cstr(v, "</s>");
        if (id >= 0) v->attrs[id] |= LLML_TOKEN_ATTR_RSTRIP;
        for (k = 0; k < 3; k++) {
            id = llml__vocab_find_cstr(v, keep[k]);
            if (id >= 0) v->attrs[id] = (uint16_t)(v->attrs[id] & ~LLML_TOKEN_ATTR_RSTRIP);
        }
    } else if (strstr(namebuf, "modern-bert")) {
        int32_t id = llml__vocab_find_cstr(v, "[MASK]");
        if (id >= 0) v->attrs[id] |= LLML_TOKEN_ATTR_LSTRIP;
    }
    *out = v;
    return LLML_OK;
}

LLML_API void llml_vocab_free(llml_vocab *v) {
    llml_allocator a;
    size_t cap;
    if (!v) return;
    if (v->blob) llml__vocab_dealloc(v, v->blob, v->blob_size);
    if (v->text_off) llml__vocab_dealloc(v, v->text_off, sizeof(uint32_t) * ((size_t)v->n_tokens + 1));
    if (v->scores) llml__vocab_dealloc(v, v->scores, sizeof(float) * (size_t)v->n_tokens);
    if (v->attrs) llml__vocab_dealloc(v, v->attrs, sizeof(uint16_t) * (size_t)v->n_tokens);
    if (v->hash) llml__vocab_dealloc(v, v->hash, sizeof(int32_t) * ((size_t)v->hash_mask + 1));
    cap = (size_t)v->merge_mask + 1;
    if (v->merge_key) llml__vocab_dealloc(v, v->merge_key, sizeof(uint64_t) * cap);
    if (v->merge_val) llml__vocab_dealloc(v, v->merge_val, sizeof(int32_t) * 2 * cap);
    if (v->special_list) llml__vocab_dealloc(v, v->special_list, sizeof(int32_t) * ((size_t)v->n_special + 1));
    if (v->u_bmp) llml__vocab_dealloc(v, v->u_bmp, 65536);
    if (v->u_cat_start) llml__vocab_dealloc(v, v->u_cat_start, sizeof(uint32_t) * (size_t)v->n_cat);
    if (v->u_cat) llml__vocab_dealloc(v, v->u_cat, (size_t)v->n_cat);
    if (v->u_low) llml__vocab_dealloc(v, v->u_low, sizeof(uint32_t) * 4 * (size_t)v->n_low);
    if (v->u_nfd) llml__vocab_dealloc(v, v->u_nfd, sizeof(uint32_t) * 3 * (size_t)v->n_nfd);
    a = v->alloc;
    llml__free(&a, v, sizeof(llml_vocab));
}

/* ---- queries ------------------------------------------------------------------ */

LLML_API llml_vocab_type llml_vocab_get_type(const llml_vocab *v) { return (llml_vocab_type)(v ? v->type : 0); }
LLML_API const char *llml_vocab_pre_name(const llml_vocab *v) { return v ? v->pre_name : ""; }
LLML_API int32_t llml_vocab_n_tokens(const llml_vocab *v) { return v ? v->n_tokens : 0; }
LLML_API int32_t llml_vocab_special(const llml_vocab *v, llml_special_token which) {
    if (!v || (int)which < 0 || (int)which >= LLML_TOKEN_SPECIAL_COUNT) return -1;
    return v->special[which];
}
LLML_API int llml_vocab_get_add_bos(const llml_vocab *v) { return v ? v->add_bos : 0; }
LLML_API int llml_vocab_get_add_eos(const llml_vocab *v) { return v ? v->add_eos : 0; }
LLML_API int llml_vocab_is_eog(const llml_vocab *v, int32_t token) {
    if (!v || token < 0 || token >= v->n_tokens) return 0;
    return (v->attrs[token] & LLML__VATTR_EOG) != 0;
}
LLML_API const char *llml_vocab_token_text(const llml_vocab *v, int32_t token, size_t *len) {
    size_t l;
    const char *s;
    if (!v || token < 0 || token >= v->n_tokens) { if (len) *len = 0; return NULL; }
    s = llml__vocab_text(v, token, &l);
    if (len) *len = l;
    return s;
}
LLML_API float llml_vocab_token_score(const llml_vocab *v, int32_t token) {
    return (v && token >= 0 && token < v->n_tokens) ? v->scores[token] : 0.0f;
}
LLML_API uint32_t llml_vocab_token_attr(const llml_vocab *v, int32_t token) {
    return (v && token >= 0 && token < v->n_tokens) ? (uint32_t)(v->attrs[token] & ~LLML__VATTR_EOG) : 0u;
}
LLML_API int32_t llml_vocab_find_token(const llml_vocab *v, const char *text, size_t len) {
    if (!v || (!text && len)) return -1;
    return llml__vocab_lookup(v, text ? text : "", len);
}

/* ---- tokenize ----------------------------------------------------------------- */

LLML_API llml_result llml_tokenize(const llml_vocab *v, const char *text, size_t len, uint32_t flags,
                                   int32_t *tokens, size_t cap, size_t *n_tokens) {
    llml__vocab_work w;
    const llml__vocab_frag *frags;
    size_t nf = 0, i;
    int which = 0, ok = 1, add = (flags & LLML_TOKENIZE_ADD_SPECIAL) != 0, prev_special = 1;
    if (n_tokens) *n_tokens = 0;
    if (!v || !n_tokens || (!text && len) || (!tokens && cap) || len > LLML__VOCAB_MAX_TEXT) return LLML_ERR_INVALID_ARG;
    if (!text) text = "";
    memset(&w, 0, sizeof(w));
    w.v = v;
    w.out = tokens;
    w.cap = cap;
    if (!llml__vocab_partition(&w, text, len, (flags & LLML_TOKENIZE_PARSE_SPECIAL) != 0, &nf, &which)) {
        llml__vocab_work_free(&w);
        return LLML_ERR_OUT_OF_MEMORY;
    }
    if (add && v->add_bos && v->special[LLML_TOKEN_BOS] >= 0 && v->type != LLML_VOCAB_WPM)
        llml__vocab_emit(&w, v->special[LLML_TOKEN_BOS]);
    if (add && v->type == LLML_VOCAB_WPM && v->special[LLML_TOKEN_BOS] >= 0)
        llml__vocab_emit(&w, v->special[LLML_TOKEN_BOS]);
    for (i = 0; i < nf && ok; i++) {
        frags = (const llml__vocab_frag *)w.frag[which].p;
        if (frags[i].tok >= 0) {
            llml__vocab_emit(&w, frags[i].tok);
            prev_special = 1;
            continue;
        }
        switch (v->type) {
        case LLML_VOCAB_SPM:
            ok = llml__vocab_spm_fragment(&w, text + frags[i].off, frags[i].len, v->add_space_prefix && prev_special);
            break;
        case LLML_VOCAB_BPE:
            ok = llml__vocab_bpe_fragment(&w, text + frags[i].off, frags[i].len);
            break;
        default:
            ok = llml__vocab_wpm_fragment(&w, text + frags[i].off, frags[i].len);
            break;
        }
        prev_special = 0;
    }
    if (ok && add) {
        if (v->type == LLML_VOCAB_WPM) {
            if (v->special[LLML_TOKEN_SEP] >= 0) llml__vocab_emit(&w, v->special[LLML_TOKEN_SEP]);
        } else if (v->add_eos && v->special[LLML_TOKEN_EOS] >= 0) {
            llml__vocab_emit(&w, v->special[LLML_TOKEN_EOS]);
        }
    }
    llml__vocab_work_free(&w);
    if (!ok) return LLML_ERR_OUT_OF_MEMORY;
    *n_tokens = w.n;
    return w.n > cap ? LLML_ERR_BUFFER_TOO_SMALL : LLML_OK;
}

/* ---- fill-in-the-middle --------------------------------------------------------- */

LLML_API llml_result llml_vocab_fim_tokens(const llml_vocab *v, int32_t *pre, int32_t *suf, int32_t *mid) {
    int32_t p, s, m;
    if (pre) *pre = -1;
    if (suf) *suf = -1;
    if (mid) *mid = -1;
    if (!v) return LLML_ERR_INVALID_ARG;
    p = v->special[LLML_TOKEN_FIM_PRE];
    s = v->special[LLML_TOKEN_FIM_SUF];
    m = v->special[LLML_TOKEN_FIM_MID];
    if (pre) *pre = p;
    if (suf) *suf = s;
    if (mid) *mid = m;
    return (p >= 0 && s >= 0 && m >= 0) ? LLML_OK : LLML_ERR_NOT_FOUND;
}

/* Put one id at tokens[*n] when there is room; count it either way. */
static void llml__vocab_infill_put(int32_t *tokens, size_t cap, size_t *n, int32_t id) {
    if (*n < cap) tokens[*n] = id;
    (*n)++;
}

LLML_API llml_result llml_tokenize_infill(const llml_vocab *v, const char *prefix, size_t prefix_len,
                                          const char *suffix, size_t suffix_len, uint32_t flags,
                                          int32_t *tokens, size_t cap, size_t *n_tokens) {
    int32_t fim[3];
    const char *text[2];
    size_t len[2], n = 0, k;
    int32_t mark[2];
    int part, spm = (flags & LLML_TOKENIZE_INFILL_SPM) != 0;
    llml_result r;
    if (n_tokens) *n_tokens = 0;
    if (!v || !n_tokens || (!prefix && prefix_len) || (!suffix && suffix_len) || (!tokens && cap))
        return LLML_ERR_INVALID_ARG;
    if (llml_vocab_fim_tokens(v, &fim[0], &fim[1], &fim[2]) != LLML_OK) return LLML_ERR_NOT_FOUND;
    if ((flags & LLML_TOKENIZE_ADD_SPECIAL) && v->add_bos && v->special[LLML_TOKEN_BOS] >= 0)
        llml__vocab_infill_put(tokens, cap, &n, v->special[LLML_TOKEN_BOS]);
    text[spm] = prefix ? prefix : "";  len[spm] = prefix_len;  mark[spm] = fim[0];
    text[!spm] = suffix ? suffix : ""; len[!spm] = suffix_len; mark[!spm] = fim[1];
    for (part = 0; part < 2; part++) {
        llml__vocab_infill_put(tokens, cap, &n, mark[part]);
        k = 0;
        r = llml_tokenize(v, text[part], len[part], flags & LLML_TOKENIZE_PARSE_SPECIAL,
                          n < cap ? tokens + n : NULL, n < cap ? cap - n : 0, &k);
        if (r != LLML_OK && r != LLML_ERR_BUFFER_TOO_SMALL) return r;
        n += k;
    }
    llml__vocab_infill_put(tokens, cap, &n, fim[2]);
    *n_tokens = n;
    return n > cap ? LLML_ERR_BUFFER_TOO_SMALL : LLML_OK;
}

/* ---- detokenize --------------------------------------------------------------- */

typedef struct llml__vocab_sink { char *buf; size_t cap, n; int lstrip; } llml__vocab_sink;

static void llml__vocab_put(llml__vocab_sink *s, const char *p, size_t k) {
    size_t i;
    for (i = 0; i < k; i++) {
        if (s->lstrip) {
            if (p[i] == ' ') { s->lstrip--; continue; }
            s->lstrip = 0;
        }
        if (s->n < s->cap) s->buf[s->n] = p[i];
        s->n++;
    }
}

static int llml__vocab_hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void llml__vocab_piece(const llml_vocab *v, int32_t id, int special, llml__vocab_sink *s) {
    uint16_t at = v->attrs[id];
    size_t len, i;
    const char *t = llml__vocab_text(v, id, &len);
    if (!special && (at & (LLML_TOKEN_ATTR_UNKNOWN | LLML_TOKEN_ATTR_CONTROL))) return;
    if (at & (LLML_TOKEN_ATTR_UNKNOWN | LLML_TOKEN_ATTR_CONTROL | LLML_TOKEN_ATTR_USER_DEFINED)) {
        llml__vocab_put(s, t, len);
        return;
    }
    if (at & LLML_TOKEN_ATTR_NORMAL) {
        if (v->type != LLML_VOCAB_BPE) {
            for (i = 0; i < len; i++) {
                if (i + 2 < len && memcmp(t + i, "\xE2\x96\x81", 3) == 0) { llml__vocab_put(s, " ", 1); i += 2; }
                else llml__vocab_put(s, t + i, 1);
            }
        } else {
            size_t pos = 0;
            while (pos < len) {
                uint32_t c = llml__vocab_utf8_next((const unsigned char *)t, len, &pos);
                int b = c < 324 ? v->cp_byte[c] : -1;
                if (b >= 0) {
                    char ch = (char)b;
                    llml__vocab_put(s, &ch, 1);
                } else {
                    /* not a byte-level character: the reference writes this marker */
                    char u[4], hx[3];
                    size_t ul = llml__vocab_utf8_put(c, u), q;
                    llml__vocab_put(s, "[UNK_BYTE_0x", 12);
                    for (q = 0; q < ul; q++) {
                        static const char digits[] = "0123456789abcdef";
                        hx[0] = digits[(unsigned char)u[q] >> 4];
                        hx[1] = digits[(unsigned char)u[q] & 15];
                        llml__vocab_put(s, hx, 2);
                    }
                    llml__vocab_put(s, t, len);
                    llml__vocab_put(s, "]", 1);
                }
            }
        }
        return;
    }
    if (at & LLML_TOKEN_ATTR_BYTE) {
        int val = 0, k;
        char ch;
        for (k = 3; k < 5 && (size_t)k < len && llml__vocab_hexval(t[k]) >= 0; k++) val = val * 16 + llml__vocab_hexval(t[k]);
        ch = (char)val;
        llml__vocab_put(s, &ch, 1);
    }
}

LLML_API llml_result llml_token_to_piece(const llml_vocab *v, int32_t token, uint32_t flags, char *buf, size_t cap, size_t *n) {
    llml__vocab_sink s;
    if (n) *n = 0;
    if (!v || !n || (!buf && cap) || token < 0 || token >= v->n_tokens) return LLML_ERR_INVALID_ARG;
    s.buf = buf; s.cap = cap; s.n = 0; s.lstrip = 0;
    llml__vocab_piece(v, token, (flags & LLML_DETOKENIZE_RENDER_SPECIAL) != 0, &s);
    *n = s.n;
    if (s.n > cap) return LLML_ERR_BUFFER_TOO_SMALL;
    if (s.n < cap) buf[s.n] = 0;
    return LLML_OK;
}

/* the reference's clean_up_tokenization_spaces passes, in place; returns the new length */
static size_t llml__vocab_clean(char *t, size_t total) {
    size_t i, t1 = total, t2, t3;
    total = total ? 1 : 0;
    for (i = 1; i < t1; i++) {
        char x = t[i];
        if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) total--;
        t[total++] = x;
    }
    t2 = total;
    total = total ? 1 : 0;
    for (i = 1; i < t2; i++) {
        char x = t[i];
        if (x == '\'' && i + 1 < t2 && t[i - 1] == ' ' && t[i + 1] == ' ') { total--; t[++i] = 0; }
        t[total++] = x;
    }
    t3 = total;
    total = total ? 1 : 0;
    for (i = 1; i < t3; i++) {
        char x = t[i];
        if (t[i - 1] == ' ' && x == '\'' && i + 1 < t3) {
            char x1 = t[i + 1];
            if (x1 == 's' || x1 == 'm') total--;
            else if (x1 != 't' && x1 != 'd' && i + 2 < t3) {
                char x2 = t[i + 2];
                if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) total--;
            }
        }
        t[total++] = x;
    }
    return total;
}

LLML_API llml_result llml_detokenize(const llml_vocab *v, const int32_t *tokens, size_t n_tokens, uint32_t flags,
                                     char *text, size_t cap, size_t *n) {
    llml__vocab_sink s;
    size_t i0 = 0, i1 = n_tokens, i;
    int lstrip, special = (flags & LLML_DETOKENIZE_RENDER_SPECIAL) != 0;
    int clean = (flags & LLML_DETOKENIZE_CLEAN_SPACES) && v && v->clean_spaces;
    if (n) *n = 0;
    if (!v || !n || (!tokens && n_tokens) || (!text && cap)) return LLML_ERR_INVALID_ARG;
    for (i = 0; i < n_tokens; i++) if (tokens[i] < 0 || tokens[i] >= v->n_tokens) return LLML_ERR_INVALID_ARG;
    lstrip = v->add_space_prefix;
    /* (the reference also stops stripping the space here; removing BOS and
       stripping it gives detokenize(tokenize(x, ADD_SPECIAL)) == x) */
    if ((flags & LLML_DETOKENIZE_REMOVE_SPECIAL) && v->add_bos && i1 > 0 && tokens[0] == v->special[LLML_TOKEN_BOS])
        i0 = 1;
    if ((flags & LLML_DETOKENIZE_REMOVE_SPECIAL) && v->add_eos && i1 > i0 && tokens[i1 - 1] == v->special[LLML_TOKEN_EOS]) i1--;
    s.buf = clean ? NULL : text;
    s.cap = clean ? 0 : cap;
    s.n = 0;
    for (i = i0; i < i1; i++) {
        s.lstrip = i == i0 ? lstrip : 0;
        llml__vocab_piece(v, tokens[i], special, &s);
    }
    if (clean) {
        size_t total = s.n;
        char *tmp = (char *)llml__vocab_alloc(v, total + 1);
        if (!tmp) return LLML_ERR_OUT_OF_MEMORY;
        s.buf = tmp; s.cap = total; s.n = 0;
        for (i = i0; i < i1; i++) {
            s.lstrip = i == i0 ? lstrip : 0;
            llml__vocab_piece(v, tokens[i], special, &s);
        }
        total = llml__vocab_clean(tmp, total);
        if (total > 0 && total <= cap) memcpy(text, tmp, total);
        llml__vocab_dealloc(v, tmp, s.cap + 1);
        s.n = total;
    }
    *n = s.n;
    if (s.n > cap) return LLML_ERR_BUFFER_TOO_SMALL;
    if (s.n < cap) text[s.n] = 0;
    return LLML_OK;
}
