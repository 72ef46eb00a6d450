package workloads

import (
	"strings"
	"testing"
)

// Issue 17: "--set records=abc" said "line 1: cannot unmarshal !!str `abc`
// into int64" without naming the option.
func TestDecodeOptionsNamesTheOption(t *testing.T) {
	type cfg struct {
		Alpha   int64   `yaml:"alpha"`
		Records int64   `yaml:"records"`
		Ratio   float64 `yaml:"ratio"`
		On      bool    `yaml:"on"`
	}
	tests := []struct {
		opts map[string]any
		want string
	}{
		{map[string]any{"records": "abc"}, `option records: "abc" is not a whole number`},
		{map[string]any{"alpha": 1, "records": "abc", "ratio": 0.5}, `option records: "abc" is not a whole number`},
		{map[string]any{"ratio": "x", "on": "maybe"}, `option on: "maybe" is not true or false; option ratio: "x" is not a number`},
		{map[string]any{"colour": "red"}, "unknown field colour"},
	}
	for _, tt := range tests {
		var c cfg
		err := DecodeOptions(tt.opts, &c)
		if err == nil || err.Error() != tt.want {
			t.Errorf("DecodeOptions(%v) = %v, want %q", tt.opts, err, tt.want)
		}
		if err != nil && strings.Contains(err.Error(), "line ") {
			t.Errorf("DecodeOptions(%v): %v shows a line of a document the user never wrote", tt.opts, err)
		}
	}
}
