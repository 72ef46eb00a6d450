package gen

import "strconv"

// FNV-64 constants as YCSB's Utils uses them.
const (
	fnvOffsetBasis64 = 0xCBF29CE484222325
	fnvPrime64       = 1099511628211
)

// FNVHash64 hashes v exactly as YCSB's Utils.fnvhash64 does: FNV-1a over the
// eight little-endian bytes of v, then the absolute value of the result as a
// signed 64-bit number. YCSB uses it to scatter key numbers (insertorder=
// hashed) and in the scrambled zipfian generator.
func FNVHash64(v int64) int64 {
	h := uint64(fnvOffsetBasis64)
	for i := 0; i < 8; i++ {
		octet := uint64(v & 0xff)
		v >>= 8 // arithmetic shift, as Java's >> on a long
		h ^= octet
		h *= fnvPrime64
	}
	s := int64(h)
	if s < 0 {
		s = -s // Math.abs: MinInt64 stays negative, as in Java
	}
	return s
}

// AppendYCSBKey appends YCSB's key name for key number keynum to dst:
// "user" followed by the decimal FNVHash64(keynum) when hashed is true (the
// default insertorder=hashed), or by keynum itself when false (ordered),
// left-padded with zeros to zeroPadding digits.
func AppendYCSBKey(dst []byte, keynum int64, hashed bool, zeroPadding int) []byte {
	if hashed {
		keynum = FNVHash64(keynum)
	}
	dst = append(dst, "user"...)
	var digits [20]byte
	num := strconv.AppendInt(digits[:0], keynum, 10)
	for i := len(num); i < zeroPadding; i++ {
		dst = append(dst, '0')
	}
	return append(dst, num...)
}
