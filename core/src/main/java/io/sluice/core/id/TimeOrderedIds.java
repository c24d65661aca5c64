package io.sluice.core.id;

import java.security.SecureRandom;
import java.time.Clock;

/**
 * ULID-style identifiers: 26 characters of Crockford base32, 48 bits of milliseconds then 80 bits
 * of randomness. Within one millisecond the random part is incremented, so ids from one generator
 * are strictly increasing and sort by creation time.
 */
public final class TimeOrderedIds implements IdGenerator {
  private static final char[] ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();

  private final Clock clock;
  private final SecureRandom random = new SecureRandom();
  private long lastMillis = -1;
  private long randomHigh; // 16 bits
  private long randomLow; // 64 bits

  public TimeOrderedIds(Clock clock) {
    this.clock = clock;
  }

  @Override
  public synchronized String next() {
    long millis = Math.max(clock.millis(), lastMillis);
    if (millis == lastMillis) {
      randomLow++;
      if (randomLow == 0) {
        randomHigh = (randomHigh + 1) & 0xFFFF;
      }
    } else {
      lastMillis = millis;
      randomHigh = random.nextInt(1 << 16);
      randomLow = random.nextLong() & 0x7FFF_FFFF_FFFF_FFFFL; // room to increment
    }
    char[] out = new char[26];
    long time = millis;
    for (int i = 9; i >= 0; i--) {
      out[i] = ALPHABET[(int) (time & 31)];
      time >>>= 5;
    }
    // 80 random bits: 16 high + 64 low, written as 16 base32 characters from the right.
    long low = randomLow;
    long high = randomHigh;
    for (int i = 25; i >= 10; i--) {
      out[i] = ALPHABET[(int) (low & 31)];
      low = (low >>> 5) | ((high & 31) << 59);
      high >>>= 5;
    }
    return new String(out);
  }
}
