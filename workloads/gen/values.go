package gen

// valueAlphabet has 64 printable characters, so a value is printable text that
// every store and export format (CSV, JSON) carries unchanged.
const valueAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

// AppendValue appends n bytes of printable text to dst that are a pure
// function of (seed, id, field, version): the same coordinates give the same
// bytes on every machine, so a reader can check any value it gets back.
func AppendValue(dst []byte, n int, seed uint64, id int64, field int, version uint64) []byte {
	x := Mix64(seed ^ Mix64(uint64(id)^Mix64(uint64(field)+version<<20)))
	for n > 0 {
		x = Mix64(x)
		w := x
		k := min(n, 10) // 10 characters of 6 bits from each 64-bit word
		for i := 0; i < k; i++ {
			dst = append(dst, valueAlphabet[w&63])
			w >>= 6
		}
		n -= k
	}
	return dst
}
