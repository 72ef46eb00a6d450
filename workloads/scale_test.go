package workloads

import (
	"testing"
)

func TestParseScale(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Scale
		f    float64
		err  bool
	}{
		{"", Quick, 1, false},
		{"quick", Quick, 1, false},
		{"1", Quick, 1, false},
		{"1.0", Quick, 1, false},
		{"full", Full, 0, false},
		{"10", "10", 10, false},
		{"10.0", "10", 10, false},
		{"1e2", "100", 100, false},
		{" 0.1 ", "0.1", 0.1, false},
		{"0", "", 0, true},
		{"-1", "", 0, true},
		{"1e9", "", 0, true},
		{"NaN", "", 0, true},
		{"Inf", "", 0, true},
		{"huge", "", 0, true},
	} {
		got, err := ParseScale(tc.in)
		if (err != nil) != tc.err || got != tc.want {
			t.Errorf("ParseScale(%q) = %q, %v; want %q, error %v", tc.in, got, err, tc.want, tc.err)
			continue
		}
		if err == nil && got.Factor() != tc.f {
			t.Errorf("Scale(%q).Factor() = %v, want %v", got, got.Factor(), tc.f)
		}
	}
}

func TestParseScales(t *testing.T) {
	got, err := ParseScales("1,10, 100,quick,0.1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Scale{Quick, "10", "100", "0.1"}
	if len(got) != len(want) {
		t.Fatalf("ParseScales = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("ParseScales = %v, want %v", got, want)
		}
	}
	if _, err := ParseScales("1,,10"); err == nil {
		t.Error("an empty entry parsed")
	}
}

func TestScaleSizeCurveCompare(t *testing.T) {
	if got := Scale("10").Size(100, 5000, 1); got != 1000 {
		t.Errorf("Size at 10 = %d, want 1000", got)
	}
	if got := Full.Size(100, 5000, 1); got != 5000 {
		t.Errorf("Size at full = %d, want 5000", got)
	}
	if got := Scale("0.001").Size(100, 5000, 7); got != 7 {
		t.Errorf("Size at 0.001 = %d, want the minimum 7", got)
	}
	if got := Quick.Curve(10, 20, 100); got != 10 {
		t.Errorf("Curve at quick = %v, want 10", got)
	}
	if got := Scale("100").Curve(10, 20, 100); got < 19.999999 || got > 20.000001 {
		t.Errorf("Curve at 100 = %v, want 20", got)
	}
	if got := Scale("10").Curve(10, 20, 100); got < 14.142 || got > 14.143 {
		t.Errorf("Curve at 10 = %v, want 10·√2", got)
	}
	order := []Scale{"0.1", Quick, "10", "100", Full}
	for i := 1; i < len(order); i++ {
		if order[i-1].Compare(order[i]) >= 0 || order[i].Compare(order[i-1]) <= 0 {
			t.Errorf("%s and %s out of order", order[i-1], order[i])
		}
	}
}
