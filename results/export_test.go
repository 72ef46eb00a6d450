package results_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/perf/benchfmt"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/results/resultstest"
)

func TestWriteCSV(t *testing.T) {
	rs := resultstest.Sample()
	var b bytes.Buffer
	if err := results.WriteCSV(&b, rs); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := 1 // header
	for _, r := range rs {
		for _, c := range r.Cells {
			if c.Run == nil {
				want++
			} else {
				want += len(c.Run.Kinds)
			}
		}
	}
	if len(rows) != want {
		t.Errorf("%d rows, want %d", len(rows), want)
	}
	for i, row := range rows {
		if len(row) != len(rows[0]) {
			t.Fatalf("row %d has %d columns, header %d", i, len(row), len(rows[0]))
		}
	}
	if rows[1][1] != "point/a" || rows[1][11] != "read" {
		t.Errorf("first row %v", rows[1])
	}
}

// benchstat's reader must read the export, with every repetition a line.
func TestWriteBenchfmtReadsBack(t *testing.T) {
	rs := resultstest.Sample()
	var b bytes.Buffer
	if err := results.WriteBenchfmt(&b, rs); err != nil {
		t.Fatal(err)
	}
	r := benchfmt.NewReader(&b, "export.txt")
	names := map[string]int{}
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("syntax error: %v", rec)
		case *benchfmt.Result:
			names[string(rec.Name)]++
			if _, ok := rec.Value("ops/s"); !ok {
				t.Errorf("%s: no ops/s", rec.Name)
			}
			if rec.GetConfig("goos") != "linux" {
				t.Errorf("%s: goos %q", rec.Name, rec.GetConfig("goos"))
			}
		}
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	if n := names["Point/a/store=postgres/kind=read-8"]; n != 3 {
		t.Errorf("point/a read on postgres: %d lines, want one per repetition (3); names: %v", n, names)
	}
	if n := names["Point/a/store=postgres/kind=all-8"]; n != 3 {
		t.Errorf("point/a all kinds on postgres: %d lines", n)
	}
}

// HdrHistogram's own log reader must read the interval log, with the
// intervals' counts.
func TestWriteHdrLogReadsBack(t *testing.T) {
	c := &resultstest.Sample()[0].Cells[0]
	var b bytes.Buffer
	if err := results.WriteHdrLog(&b, c); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "#[StartTime: ") {
		t.Error("no StartTime line")
	}
	lr := hdr.NewHistogramLogReader(&b)
	var i int
	for {
		h, err := lr.NextIntervalHistogram()
		if errors.Is(err, io.EOF) || (err == nil && h == nil) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if i >= len(c.Run.Intervals) {
			t.Fatalf("more intervals read than written")
		}
		if h.TotalCount() != c.Run.Intervals[i].Ops {
			t.Errorf("interval %d: %d values, want %d", i, h.TotalCount(), c.Run.Intervals[i].Ops)
		}
		i++
	}
	if i != len(c.Run.Intervals) {
		t.Errorf("read %d intervals, wrote %d", i, len(c.Run.Intervals))
	}
}

func TestWriteIntervalsJSONL(t *testing.T) {
	rs := resultstest.Sample()
	var b bytes.Buffer
	if err := results.WriteIntervalsJSONL(&b, rs); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(&b)
	var n int
	for sc.Scan() {
		var rec results.IntervalRecord
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		if rec.Workload == "" || rec.Histogram != "" || rec.Start.IsZero() {
			t.Fatalf("line %d: %+v", n+1, rec)
		}
		n++
	}
	want := 0
	for _, r := range rs {
		for _, c := range r.Cells {
			if c.Run != nil {
				want += len(c.Run.Intervals)
			}
		}
	}
	if n != want {
		t.Errorf("%d lines, want %d", n, want)
	}
}
