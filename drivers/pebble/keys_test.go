package pebble

import (
	"bytes"
	"math"
	"slices"
	"testing"
)

func TestAppendInt64Order(t *testing.T) {
	ns := []int64{math.MinInt64, -1 << 40, -2, -1, 0, 1, 2, 1 << 40, math.MaxInt64}
	for i := 1; i < len(ns); i++ {
		a, b := appendInt64(nil, ns[i-1]), appendInt64(nil, ns[i])
		if bytes.Compare(a, b) >= 0 {
			t.Errorf("key of %d (%x) does not sort before key of %d (%x)", ns[i-1], a, ns[i], b)
		}
		if got := decodeInt64(b); got != ns[i] {
			t.Errorf("decodeInt64(appendInt64(%d)) = %d", ns[i], got)
		}
	}
}

func TestTablePrefix(t *testing.T) {
	a, err := tablePrefix(spacePoint, "usertable")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := tablePrefix(spacePoint, "usertable_a")
	if bytes.HasPrefix(b, a) || bytes.HasPrefix(a, b) {
		t.Errorf("prefixes %q and %q overlap", a, b)
	}
	if end := prefixEnd(a); !bytes.Equal(end, []byte("pusertable\x01")) {
		t.Errorf("prefixEnd(%q) = %q", a, end)
	}
	for _, bad := range []string{"", "a\x00b"} {
		if _, err := tablePrefix(spacePoint, bad); err == nil {
			t.Errorf("tablePrefix(%q) accepted", bad)
		}
	}
	if got := prefixEnd([]byte{1, 0xff, 0xff}); !bytes.Equal(got, []byte{2}) {
		t.Errorf("prefixEnd(01ffff) = %x, want 02", got)
	}
	if got := prefixEnd([]byte{0xff}); got != nil {
		t.Errorf("prefixEnd(ff) = %x, want nil", got)
	}
}

func TestFields(t *testing.T) {
	tests := [][][]byte{
		{[]byte("a")},
		{{}, []byte("xyz"), {}},
		{bytes.Repeat([]byte("v"), 300), []byte("w")},
	}
	for _, vals := range tests {
		enc := appendFields(nil, vals)
		got, err := decodeFields(enc, len(vals), nil)
		if err != nil {
			t.Fatalf("decode %q: %v", vals, err)
		}
		if !slices.EqualFunc(got, vals, bytes.Equal) {
			t.Errorf("decode(encode(%q)) = %q", vals, got)
		}
		if _, err := decodeFields(enc, len(vals)+1, nil); err == nil {
			t.Errorf("decode of %q as %d fields accepted", vals, len(vals)+1)
		}
		if _, err := decodeFields(append(enc, 0), len(vals), nil); err == nil {
			t.Errorf("decode of %q with a trailing byte accepted", vals)
		}
	}
}

func TestCount(t *testing.T) {
	for _, n := range []int64{0, 1, -1, 1 << 40} {
		if got, err := decodeCount(encodeCount(n)); err != nil || got != n {
			t.Errorf("decodeCount(encodeCount(%d)) = %d, %v", n, got, err)
		}
	}
	if _, err := decodeCount([]byte{1}); err == nil {
		t.Error("short count accepted")
	}
}
