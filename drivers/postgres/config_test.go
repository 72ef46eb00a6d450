package postgres

import (
	"github.com/storefit/storefit/drivers/drivertest"
	"strings"
	"testing"
	"time"

	"github.com/storefit/storefit/workloads/search"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name                       string
		dsn                        string
		addr, rank, wide, ts, user string
		maxConns                   int32
	}{
		{"empty is the default", "", "127.0.0.1:5432", RankBM25, WideHstore, "", "storefit", defaultMaxConns},
		{"url", "postgres://u:p@db.example:6000/x?sslmode=disable", "db.example:6000", RankBM25, WideHstore, "", "u", defaultMaxConns},
		{"key=value", "host=10.1.2.3 port=7000 user=k password=p dbname=x sslmode=disable", "10.1.2.3:7000", RankBM25, WideHstore, "", "k", defaultMaxConns},
		{"storefit options", "postgres://u:p@h/x?sslmode=disable&search_rank=ts_rank&wide_encoding=jsonb&timescaledb=off",
			"h:5432", RankTS, WideJSONB, TimescaleOff, "u", defaultMaxConns},
		{"options in key=value", "host=h user=u search_rank=bm25 wide_encoding=jsonb sslmode=disable", "h:5432", RankBM25, WideJSONB, "", "u", defaultMaxConns},
		{"hypertables opted in", "postgres://u:p@h/x?timescaledb=on", "h:5432", RankBM25, WideHstore, TimescaleOn, "u", defaultMaxConns},
		{"pool size kept", "postgres://u@h/x?sslmode=disable&pool_max_conns=7", "h:5432", RankBM25, WideHstore, "", "u", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if got := c.Address(); got != tt.addr {
				t.Errorf("Address = %q, want %q", got, tt.addr)
			}
			if c.SearchRank != tt.rank || c.WideEncoding != tt.wide || c.Timescale != tt.ts {
				t.Errorf("options = %s %s %s, want %s %s %s", c.SearchRank, c.WideEncoding, c.Timescale, tt.rank, tt.wide, tt.ts)
			}
			if u := c.Pool.ConnConfig.User; u != tt.user {
				t.Errorf("user = %q, want %q", u, tt.user)
			}
			if c.Pool.MaxConns != tt.maxConns {
				t.Errorf("MaxConns = %d, want %d", c.Pool.MaxConns, tt.maxConns)
			}
			rp := c.Pool.ConnConfig.RuntimeParams
			for _, k := range []string{"search_rank", "wide_encoding", "timescaledb"} {
				if _, ok := rp[k]; ok {
					t.Errorf("storefit option %s left in the server's run-time parameters", k)
				}
			}
			if rp["timezone"] != "UTC" {
				t.Errorf("timezone = %q, want UTC", rp["timezone"])
			}
			if c.Pool.ConnConfig.ConnectTimeout != 10*time.Second {
				t.Errorf("ConnectTimeout = %v", c.Pool.ConnConfig.ConnectTimeout)
			}
		})
	}
}

// TestParseConfigConn checks the connection options: taken out of the
// server's run-time parameters, blocking I/O dialing through blockconn.
func TestParseConfigConn(t *testing.T) {
	c, err := ParseConfig("postgres://u@h/x?conns=worker&io=blocking")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Conn.Worker() || !c.Conn.Blocking() {
		t.Errorf("Conn = %+v, want conns=worker io=blocking", c.Conn)
	}
	for _, k := range []string{"conns", "io"} {
		if _, ok := c.Pool.ConnConfig.RuntimeParams[k]; ok {
			t.Errorf("connection option %s left in the server's run-time parameters", k)
		}
	}
	d, err := ParseConfig("postgres://u@h/x")
	if err != nil {
		t.Fatal(err)
	}
	if d.Conn.Worker() || d.Conn.Blocking() {
		t.Errorf("default Conn = %+v, want the shared pool and netpoll", d.Conn)
	}
}

func TestParseConfigErrors(t *testing.T) {
	const secret = "Hunter2-secret"
	tests := []struct {
		name, dsn, want string
	}{
		{"bad port", "postgres://storefit:" + secret + "@127.0.0.1:notaport/storefit", "bad DSN"},
		{"bad url", "postgres://storefit:" + secret + "@[::1/storefit", "bad DSN"},
		{"bad key=value", "host=h password=" + secret + " port=x", "bad DSN"},
		{"unknown rank", "postgres://storefit:" + secret + "@h/x?search_rank=tfidf", "search_rank"},
		{"unknown encoding", "postgres://storefit:" + secret + "@h/x?wide_encoding=xml", "wide_encoding"},
		{"unknown timescale mode", "host=h password=" + secret + " timescaledb=yes", "timescaledb"},
		// auto chose the schema by what the server had installed: gone.
		{"timescale auto", "postgres://storefit:" + secret + "@h/x?timescaledb=auto", "use off or on"},
		{"bad conns", "postgres://storefit:" + secret + "@h/x?conns=many", "conns"},
		{"bad io", "postgres://storefit:" + secret + "@h/x?io=uring", "io"},
		// pgx never pipelines the workers' requests.
		{"pipelining", "postgres://storefit:" + secret + "@h/x?pipelining=off", "does not pipeline"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseConfig(tt.dsn)
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not mention %q", msg, tt.want)
			}
			if strings.Contains(msg, secret) {
				t.Errorf("error shows the password: %q", msg)
			}
			if strings.ContainsAny(msg, "\r\n") {
				t.Errorf("error is not one line: %q", msg)
			}
		})
	}
}

func TestCeilMicro(t *testing.T) {
	base := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in, want time.Time
	}{
		{base, base},
		{base.Add(time.Nanosecond), base.Add(time.Microsecond)},
		{base.Add(999 * time.Nanosecond), base.Add(time.Microsecond)},
		{base.Add(time.Microsecond), base.Add(time.Microsecond)},
		{base.Add(-time.Nanosecond), base},
	}
	for _, tt := range tests {
		if got := ceilMicro(tt.in); !got.Equal(tt.want) {
			t.Errorf("ceilMicro(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestTSQuery(t *testing.T) {
	tests := []struct {
		kind  string
		terms []string
		want  string
	}{
		{"term", []string{"foo"}, "'foo'"},
		{"and", []string{"a", "b"}, "'a' & 'b'"},
		{"or", []string{"a", "b", "c"}, "'a' | 'b' | 'c'"},
		{"phrase", []string{"a", "a"}, "'a' <-> 'a'"},
		{"term", []string{`it's\`}, `'it\'s\\'`},
	}
	for _, tt := range tests {
		q := searchQuery(t, tt.kind, tt.terms)
		got, err := tsquery(q)
		if err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("tsquery(%s) = %s, want %s", q, got, tt.want)
		}
	}
}

func TestAppendJSONString(t *testing.T) {
	for in, want := range map[string]string{
		"plain":         `"plain"`,
		`q"uo\te`:       `"q\"uo\\te"`,
		"tab\tnl\n":     `"tab\u0009nl\u000a"`,
		"héllo wörld ✓": `"héllo wörld ✓"`,
	} {
		if got := string(appendJSONString(nil, []byte(in))); got != want {
			t.Errorf("appendJSONString(%q) = %s, want %s", in, got, want)
		}
	}
}

func searchQuery(t *testing.T, kind string, terms []string) search.Query {
	t.Helper()
	var k search.Kind
	if err := k.UnmarshalText([]byte(kind)); err != nil {
		t.Fatal(err)
	}
	return search.Query{Kind: k, Terms: terms}
}

// FuzzDSNSecrets checks that no DSN form (drivertest.DSNForms: with and
// without the scheme, passwords holding '%', '@', ':' and '/') makes the
// parser panic or show the password in its error.
func FuzzDSNSecrets(f *testing.F) {
	f.Add("s3cr3t%zz", "127.0.0.1:5432")
	f.Add("p@ss:w/rd", "h:99999")
	f.Add("100%/@:x", "h:notaport")
	f.Fuzz(func(t *testing.T, pw, host string) {
		drivertest.FuzzDSN(t, "postgres", "storefit", pw, host, func(d string) error { _, err := ParseConfig(d); return err })
	})
}
