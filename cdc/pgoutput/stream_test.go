package pgoutput

import (
	"testing"
	"time"

	"github.com/jackc/pglogrepl"
)

func TestParseTimestamptz(t *testing.T) {
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Time
	}{
		{"2024-01-02 03:04:05+00", at},
		{"2024-01-02 03:04:05.25+00", at.Add(250 * time.Millisecond)},
		{"2024-01-02 05:04:05+02", at},
		{"2024-01-02 08:34:05+05:30", at},
	} {
		got, err := ParseTimestamptz(tc.in)
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("ParseTimestamptz(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	if _, err := ParseTimestamptz("yesterday"); err == nil {
		t.Error("ParseTimestamptz accepted garbage")
	}
}

func TestDecode(t *testing.T) {
	r := &Relation{Name: "t", Cols: []string{"a", "b", "c"}}
	tup := &pglogrepl.TupleData{Columns: []*pglogrepl.TupleDataColumn{
		{DataType: 't', Data: []byte("1")},
		{DataType: 'n'},
		{DataType: 't', Data: []byte("x")},
	}}
	got, err := Decode(r, Update, tup)
	if err != nil || got.Table != "t" || got.Op != Update || len(got.Cols) != 2 || got.Cols["a"] != "1" || got.Cols["c"] != "x" {
		t.Errorf("Decode = %+v, %v", got, err)
	}
	if _, err := Decode(r, Insert, nil); err == nil {
		t.Error("a change without a tuple accepted")
	}
	if _, err := Decode(nil, Insert, tup); err == nil {
		t.Error("a change before its relation accepted")
	}
}
