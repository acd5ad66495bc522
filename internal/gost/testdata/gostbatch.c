/*
 * gostbatch: many GOST operations in one OpenSSL process, for differential_test.go. Built by the test
 * against libcrypto when cc and libssl-dev are there; the GOST engine comes from OPENSSL_CONF.
 *
 * One request per stdin line, one answer per stdout line. Byte strings are hex, "-" for empty.
 *   gen ALG PARAMSET               -> ok PKCS8 SPKI      (a fresh key, both DER)
 *   pub PKCS8                      -> ok SPKI            (the public key OpenSSL derives)
 *   sign MD PKCS8 MSG              -> ok SIG             (EVP_DigestSign: s || r, big-endian)
 *   verify MD SPKI MSG SIG         -> ok 1 | ok 0
 *   digest MD MSG                  -> ok DIGEST
 * A request that cannot run answers "err TEXT" and the next one goes on.
 */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned char *unhex(const char *s, size_t *n) {
	if (strcmp(s, "-") == 0) {
		*n = 0;
		return malloc(1);
	}
	size_t l = strlen(s);
	if (l % 2) return NULL;
	unsigned char *b = malloc(l / 2 + 1);
	for (size_t i = 0; i < l / 2; i++) {
		unsigned int v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1) {
			free(b);
			return NULL;
		}
		b[i] = (unsigned char)v;
	}
	*n = l / 2;
	return b;
}

static void puthex(const unsigned char *b, size_t n) {
	putchar(' ');
	if (n == 0) putchar('-');
	for (size_t i = 0; i < n; i++) printf("%02x", b[i]);
}

static int fail(const char *what) {
	unsigned long e = ERR_get_error();
	printf("err %s: %s\n", what, e ? ERR_error_string(e, NULL) : "no detail");
	ERR_clear_error();
	return 0;
}

static EVP_PKEY *read_private(const char *hex) {
	size_t n;
	unsigned char *der = unhex(hex, &n);
	if (!der) return NULL;
	const unsigned char *p = der;
	PKCS8_PRIV_KEY_INFO *p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)n);
	free(der);
	if (!p8) return NULL;
	EVP_PKEY *k = EVP_PKCS82PKEY(p8);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return k;
}

static EVP_PKEY *read_public(const char *hex) {
	size_t n;
	unsigned char *der = unhex(hex, &n);
	if (!der) return NULL;
	const unsigned char *p = der;
	EVP_PKEY *k = d2i_PUBKEY(NULL, &p, (long)n);
	free(der);
	return k;
}

static void put_spki(EVP_PKEY *k) {
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(k, &der);
	puthex(der, n > 0 ? (size_t)n : 0);
	OPENSSL_free(der);
}

static int gen(const char *alg, const char *paramset) {
	/* Engine algorithms are found the way `openssl genpkey -algorithm` finds them. */
	ENGINE *e = NULL;
	const EVP_PKEY_ASN1_METHOD *am = EVP_PKEY_asn1_find_str(&e, alg, -1);
	int id;
	if (!am || !EVP_PKEY_asn1_get0_info(&id, NULL, NULL, NULL, NULL, am)) return fail("unknown algorithm");
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(id, e);
	EVP_PKEY *k = NULL;
	if (!c || EVP_PKEY_keygen_init(c) != 1 || EVP_PKEY_CTX_ctrl_str(c, "paramset", paramset) <= 0 ||
	    EVP_PKEY_keygen(c, &k) != 1) {
		EVP_PKEY_CTX_free(c);
		ENGINE_finish(e);
		return fail("keygen");
	}
	EVP_PKEY_CTX_free(c);
	ENGINE_finish(e);
	PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(k);
	unsigned char *der = NULL;
	int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (n <= 0) {
		EVP_PKEY_free(k);
		return fail("PKCS#8");
	}
	printf("ok");
	puthex(der, (size_t)n);
	put_spki(k);
	putchar('\n');
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	return 1;
}

static int pub(const char *key) {
	EVP_PKEY *k = read_private(key);
	if (!k) return fail("private key");
	printf("ok");
	put_spki(k);
	putchar('\n');
	EVP_PKEY_free(k);
	return 1;
}

static int sign(const char *mdname, const char *key, const char *msghex) {
	const EVP_MD *md = EVP_get_digestbyname(mdname);
	EVP_PKEY *k = read_private(key);
	size_t n, siglen = 256;
	unsigned char *msg = unhex(msghex, &n), sig[256];
	if (!md || !k || !msg) {
		EVP_PKEY_free(k);
		free(msg);
		return fail("sign input");
	}
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = EVP_DigestSignInit(c, NULL, md, NULL, k) == 1 && EVP_DigestSign(c, sig, &siglen, msg, n) == 1;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	free(msg);
	if (!ok) return fail("sign");
	printf("ok");
	puthex(sig, siglen);
	putchar('\n');
	return 1;
}

static int verify(const char *mdname, const char *spki, const char *msghex, const char *sighex) {
	const EVP_MD *md = EVP_get_digestbyname(mdname);
	EVP_PKEY *k = read_public(spki);
	size_t n, siglen;
	unsigned char *msg = unhex(msghex, &n), *sig = unhex(sighex, &siglen);
	if (!md || !k || !msg || !sig) {
		EVP_PKEY_free(k);
		free(msg);
		free(sig);
		return fail("verify input");
	}
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	int ok = EVP_DigestVerifyInit(c, NULL, md, NULL, k) == 1 && EVP_DigestVerify(c, sig, siglen, msg, n) == 1;
	EVP_MD_CTX_free(c);
	EVP_PKEY_free(k);
	free(msg);
	free(sig);
	ERR_clear_error(); /* a refusal is an answer, not an error */
	printf("ok %d\n", ok);
	return 1;
}

static int digest(const char *mdname, const char *msghex) {
	const EVP_MD *md = EVP_get_digestbyname(mdname);
	size_t n;
	unsigned int l;
	unsigned char *msg = unhex(msghex, &n), out[EVP_MAX_MD_SIZE];
	if (!md || !msg || EVP_Digest(msg, n, out, &l, md, NULL) != 1) {
		free(msg);
		return fail("digest");
	}
	free(msg);
	printf("ok");
	puthex(out, l);
	putchar('\n');
	return 1;
}

int main(void) {
	OPENSSL_init_crypto(OPENSSL_INIT_LOAD_CONFIG, NULL);
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, stdin) > 0) {
		char *f[5] = {0};
		int nf = 0;
		for (char *tok = strtok(line, " \t\n"); tok && nf < 5; tok = strtok(NULL, " \t\n")) f[nf++] = tok;
		if (nf == 3 && strcmp(f[0], "gen") == 0) gen(f[1], f[2]);
		else if (nf == 2 && strcmp(f[0], "pub") == 0) pub(f[1]);
		else if (nf == 4 && strcmp(f[0], "sign") == 0) sign(f[1], f[2], f[3]);
		else if (nf == 5 && strcmp(f[0], "verify") == 0) verify(f[1], f[2], f[3], f[4]);
		else if (nf == 3 && strcmp(f[0], "digest") == 0) digest(f[1], f[2]);
		else printf("err bad request\n");
	}
	free(line);
	return 0;
}
