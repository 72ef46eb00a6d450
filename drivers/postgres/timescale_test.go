package postgres

import (
	"strings"
	"testing"

	"github.com/storefit/storefit/workloads/series"
)

// TestTimescaleSQL checks the SQL the stores generate for the series
// pattern: the timescale store's every bucket is time_bucket with an epoch
// origin, none is date_bin, and the postgres store keeps date_bin with or
// without hypertables (postgres_test.go runs both against TimescaleDB).
func TestTimescaleSQL(t *testing.T) {
	for _, tc := range []struct {
		mode        string
		want, never string
	}{
		{TimescaleRequire, "time_bucket($1, c.time, origin => '1970-01-01 00:00:00+00'::timestamptz)", "date_bin("},
		{"", "date_bin($1, c.time, '1970-01-01 00:00:00+00'::timestamptz)", "time_bucket("},
		{TimescaleOn, "date_bin($1, c.time, '1970-01-01 00:00:00+00'::timestamptz)", "time_bucket("},
		{TimescaleOff, "date_bin($1, c.time, '1970-01-01 00:00:00+00'::timestamptz)", "time_bucket("},
	} {
		t.Run(tc.mode, func(t *testing.T) {
			c := &Conn{cfg: Config{Timescale: tc.mode}}
			st, err := c.SeriesStore(series.Schema{Table: "cpu"})
			if err != nil {
				t.Fatal(err)
			}
			s := st.(*seriesStore)
			stmts := map[string]string{
				"max":       s.statement("max", []int{0, 3}),
				"avg":       s.statement("avg", []int{1}),
				"recent":    s.recent,
				"recentAll": s.recentAll,
			}
			for name, q := range stmts {
				if !strings.Contains(q, tc.want) && !strings.Contains(q, strings.ReplaceAll(tc.want, "c.time", "time")) {
					t.Errorf("%s: %s\nwant %s", name, q, tc.want)
				}
				if strings.Contains(q, tc.never) {
					t.Errorf("%s uses %s: %s", name, tc.never, q)
				}
			}
			if got := strings.Count(s.recent, strings.SplitN(tc.want, "(", 2)[0]+"("); got != 2 {
				t.Errorf("recent has %d buckets, want 2 (the group and the window start): %s", got, s.recent)
			}
		})
	}
}

func TestTimescaleDDL(t *testing.T) {
	got := timescaleSetupDDL(ident("cp'u"), true)
	want := []string{
		`SELECT create_hypertable('"cp''u"'::regclass, 'time', chunk_time_interval => interval '12 hours', create_default_indexes => false)`,
		`ALTER TABLE "cp'u" SET (timescaledb.compress, timescaledb.compress_segmentby = 'tags_id', timescaledb.compress_orderby = 'time DESC')`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("setup DDL:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := timescaleSetupDDL(ident("cpu"), false); len(got) != 1 {
		t.Errorf("timescaledb=on setup DDL has %d statements, want 1 (no compression): %v", len(got), got)
	}
	if got, want := timescaleFinishDDL(ident("cpu")), `SELECT count(compress_chunk(c, if_not_compressed => true)) FROM show_chunks('"cpu"'::regclass) c`; got != want {
		t.Errorf("finish DDL %s, want %s", got, want)
	}
}
