/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * idg-bench-kernel-native: a native estimate of the kernel read
 * (IDGUARD_IOC_READ), whose real figure only exists in the qemu VM of
 * tests/kernel (TCG, several times slower than this host). Times, on this
 * host, the work a read does beyond entering the kernel, built the way
 * driver/grants.c does it:
 *
 *   - SHA-256 of a 69-byte token ("idg1_" and 64 hex digits, as the
 *     broker's), which every read did before and which a read now does
 *     only when no tagged grant matches (the first read of a token, and
 *     every refusal); GLib's GChecksum, plain C like lib/crypto's (no
 *     SIMD), reset and reused as the kernel's needs no allocation;
 *   - the tag: SipHash-2-4 of the token under two keys (128 bits), which
 *     every read now does first;
 *   - the bucket walk: 4096 grants (IDGUARD_GRANTS_MAX) in 1024 buckets,
 *     one bucket walked with a constant-time compare per grant;
 *   - getppid(), a null syscall, for the ratio.
 *
 * Prints one KNATIVE line per figure (ns, best of 5 rounds). It is a
 * model: the kernel's entry, copy_from_user of the 224-byte request, the
 * rate limit, the audit push and the identity references are not in it.
 */
#include <endian.h>
#include <glib.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define TOKEN_LEN 69
#define GRANTS 4096
#define BUCKET_BITS 10
#define ROUNDS 5

typedef struct
{
  uint64_t k[2];
} SipKey;

static uint64_t
rotl (uint64_t x, int b)
{
  return (x << b) | (x >> (64 - b));
}

static void
sipround (uint64_t v[4])
{
  v[0] += v[1];
  v[1] = rotl (v[1], 13) ^ v[0];
  v[0] = rotl (v[0], 32);
  v[2] += v[3];
  v[3] = rotl (v[3], 16) ^ v[2];
  v[0] += v[3];
  v[3] = rotl (v[3], 21) ^ v[0];
  v[2] += v[1];
  v[1] = rotl (v[1], 17) ^ v[2];
  v[2] = rotl (v[2], 32);
}

static uint64_t
le64 (const uint8_t *p, size_t n)
{
  uint64_t v = 0;

  for (size_t i = 0; i < n; i++)
    v |= (uint64_t) p[i] << (8 * i);
  return v;
}

/* SipHash-2-4 (Aumasson and Bernstein), 64-bit output. */
static uint64_t
siphash24 (const void *data, size_t len, const SipKey *key)
{
  const uint8_t *p = data;
  uint64_t v[4] = {
    key->k[0] ^ 0x736f6d6570736575ULL,
    key->k[1] ^ 0x646f72616e646f6dULL,
    key->k[0] ^ 0x6c7967656e657261ULL,
    key->k[1] ^ 0x7465646279746573ULL,
  };
  uint64_t m;
  size_t i;

  for (i = 0; i + 8 <= len; i += 8)
    {
      memcpy (&m, p + i, 8); /* one load, as get_unaligned_le64() */
      m = le64toh (m);
      v[3] ^= m;
      sipround (v);
      sipround (v);
      v[0] ^= m;
    }
  m = le64 (p + i, len - i) | (uint64_t) len << 56;
  v[3] ^= m;
  sipround (v);
  sipround (v);
  v[0] ^= m;
  v[2] ^= 0xff;
  for (i = 0; i < 4; i++)
    sipround (v);
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

typedef struct Grant Grant;
struct Grant
{
  Grant *next;
  uint8_t hash[32];
};

static Grant grants[GRANTS];
static Grant *buckets[1u << BUCKET_BITS];
static volatile uint64_t sink;
static GChecksum *sha;

/* crypto_memneq's contract: time independent of where the bytes differ. */
static int
memneq (const uint8_t *a, const uint8_t *b, size_t n)
{
  uint8_t d = 0;

  for (size_t i = 0; i < n; i++)
    d |= a[i] ^ b[i];
  return d != 0;
}

/* hash_min() of a u32: the kernel's hash_32, golden-ratio multiplication. */
static unsigned
bucket_of (const uint8_t *hash)
{
  uint32_t key;

  memcpy (&key, hash, sizeof (key));
  return (uint32_t) (key * 0x61C88647u) >> (32 - BUCKET_BITS);
}

static const Grant *
lookup (const uint8_t *hash)
{
  const Grant *found = NULL;

  for (const Grant *g = buckets[bucket_of (hash)]; g; g = g->next)
    if (!memneq (g->hash, hash, 32) && !found)
      found = g;
  return found;
}

static uint64_t
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

enum { NULL_SYSCALL, SHA, TAG, LOOKUP };

static double
per_call_ns (int what, const uint8_t *token, const SipKey *keys, const uint8_t *hash, int n)
{
  double best = 1e18;
  uint8_t out[32];
  gsize out_len;

  for (int r = 0; r < ROUNDS; r++)
    {
      uint64_t t0 = now_ns ();
      double per;

      for (int i = 0; i < n; i++)
        switch (what)
          {
          case NULL_SYSCALL:
            syscall (SYS_getppid);
            break;
          case SHA:
            g_checksum_reset (sha);
            g_checksum_update (sha, token, TOKEN_LEN);
            out_len = sizeof (out);
            g_checksum_get_digest (sha, out, &out_len);
            sink += out[0];
            break;
          case TAG:
            sink += siphash24 (token, TOKEN_LEN, &keys[0]) ^ siphash24 (token, TOKEN_LEN, &keys[1]);
            break;
          default:
            sink += (uintptr_t) lookup (hash);
          }
      per = (double) (now_ns () - t0) / n;
      if (per < best)
        best = per;
    }
  return best;
}

int
main (int argc, char **argv)
{
  static const SipKey vec_key = { { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL } };
  int n = argc > 1 ? atoi (argv[1]) : 200000;
  uint8_t rnd[32], token[TOKEN_LEN + 1], hash[32];
  SipKey keys[2];
  double null_ns, sha_ns, tag_ns, lookup_ns;

  /* The published first vector (empty message, key 00..0f). */
  if (siphash24 ("", 0, &vec_key) != 0x726fdb47dd0e0e31ULL)
    {
      fprintf (stderr, "idg-bench-kernel-native: SipHash-2-4 gives a wrong test vector\n");
      return 1;
    }
  if (n < 1 || getrandom (rnd, sizeof (rnd), 0) != sizeof (rnd) || getrandom (keys, sizeof (keys), 0) != sizeof (keys))
    return 1;
  sha = g_checksum_new (G_CHECKSUM_SHA256);
  memcpy (token, "idg1_", 5);
  for (int i = 0; i < 32; i++)
    snprintf ((char *) token + 5 + 2 * i, 3, "%02x", rnd[i]);
  for (int i = 0; i < GRANTS; i++)
    {
      unsigned b;

      if (getrandom (grants[i].hash, 32, 0) != 32)
        return 1;
      b = bucket_of (grants[i].hash);
      grants[i].next = buckets[b];
      buckets[b] = &grants[i];
    }
  memcpy (hash, grants[GRANTS / 2].hash, 32);
  if (lookup (hash) != &grants[GRANTS / 2])
    return 1;

  null_ns = per_call_ns (NULL_SYSCALL, token, keys, hash, n);
  sha_ns = per_call_ns (SHA, token, keys, hash, n);
  tag_ns = per_call_ns (TAG, token, keys, hash, n);
  lookup_ns = per_call_ns (LOOKUP, token, keys, hash, n);
  printf ("KNATIVE name=\"null syscall (getppid)\" ns=%.1f\n", null_ns);
  printf ("KNATIVE name=\"SHA-256 of a 69-byte token\" ns=%.1f\n", sha_ns);
  printf ("KNATIVE name=\"tag of a 69-byte token (2 x SipHash-2-4)\" ns=%.1f\n", tag_ns);
  printf ("KNATIVE name=\"bucket walk, 4096 grants in 1024 buckets\" ns=%.1f\n", lookup_ns);
  printf ("KNATIVE name=\"read work beyond a null syscall, first read\" ns=%.1f ratio_to_null=%.2f\n",
          tag_ns + sha_ns + 2 * lookup_ns, (null_ns + tag_ns + sha_ns + 2 * lookup_ns) / null_ns);
  printf ("KNATIVE name=\"read work beyond a null syscall, later reads\" ns=%.1f ratio_to_null=%.2f\n",
          tag_ns + lookup_ns, (null_ns + tag_ns + lookup_ns) / null_ns);
  g_checksum_free (sha);
  return 0;
}
