package gen

import "testing"

func BenchmarkUniform(b *testing.B) {
	g := NewUniform(NewRand(1, 1), 0, 99999)
	b.ReportAllocs()
	for b.Loop() {
		g.Next()
	}
}

func BenchmarkZipfian(b *testing.B) {
	g := NewZipfian(NewRand(1, 1), 0, 99999, ZipfianConstant)
	b.ReportAllocs()
	for b.Loop() {
		g.Next()
	}
}

func BenchmarkScrambledZipfian(b *testing.B) {
	g := NewScrambledZipfian(NewRand(1, 1), 0, 99999)
	b.ReportAllocs()
	for b.Loop() {
		g.Next()
	}
}

func BenchmarkYCSBKey(b *testing.B) {
	var buf []byte
	b.ReportAllocs()
	for i := range b.N {
		buf = AppendYCSBKey(buf[:0], int64(i), true, 1)
	}
}

func BenchmarkAppendValue100(b *testing.B) {
	var buf []byte
	b.ReportAllocs()
	b.SetBytes(100)
	for i := range b.N {
		buf = AppendValue(buf[:0], 100, 1, int64(i), 3, 0)
	}
}
