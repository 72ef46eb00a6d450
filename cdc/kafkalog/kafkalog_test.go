package kafkalog

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		dsn  string
		want []string
		err  bool
	}{
		{"kafka://127.0.0.1:9092", []string{"127.0.0.1:9092"}, false},
		{"kafka://a:1,b:2", []string{"a:1", "b:2"}, false},
		{"127.0.0.1:9092", []string{"127.0.0.1:9092"}, false},
		{"kafka://", nil, true},
		{"http://127.0.0.1:9092", nil, true},
		{"kafka://127.0.0.1", nil, true},
		{"kafka://u:p@127.0.0.1:9092", nil, true},
		{"kafka://127.0.0.1:9092/x", nil, true},
		{"", nil, true},
	}
	for _, tt := range tests {
		got, err := ParseDSN(tt.dsn)
		if (err != nil) != tt.err || !cmp.Equal(got, tt.want) {
			t.Errorf("ParseDSN(%q) = %v, %v; want %v, error %v", tt.dsn, got, err, tt.want, tt.err)
		}
	}
}
