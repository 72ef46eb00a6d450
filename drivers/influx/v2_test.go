package influx

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/storefit/storefit/workloads/series"
)

// fakeV2 is an InfluxDB 2.x stand-in: /ping with a 2.x version, /api/v2/query
// answering the annotated CSV it is given, /api/v2/write recording bodies.
type fakeV2 struct {
	mu     sync.Mutex
	csv    string
	query  string
	writes []string
}

func (f *fakeV2) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/ping":
		w.Header().Set("X-Influxdb-Version", "v2.7.11")
		w.WriteHeader(http.StatusNoContent)
	case "/api/v2/query":
		b, _ := io.ReadAll(r.Body)
		f.query = string(b)
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		io.WriteString(w, f.csv)
	case "/api/v2/write":
		var body io.Reader = r.Body
		if r.Header.Get("Content-Encoding") == "gzip" {
			body = gunzip(r.Body)
		}
		b, _ := io.ReadAll(body)
		f.writes = append(f.writes, r.URL.Query().Get("bucket")+" "+r.URL.Query().Get("precision")+"\n"+string(b))
		w.WriteHeader(http.StatusNoContent)
	default:
		http.NotFound(w, r)
	}
}

// TestV2Plumbing runs the 2.x path against a fake server: the API choice,
// a gzip'd write, and how answers are read back (bucket starts from
// clipped window starts, repeated fields, order).
func TestV2Plumbing(t *testing.T) {
	f := &fakeV2{}
	srv := httptest.NewServer(f)
	defer srv.Close()
	conn, err := Driver{}.Open(context.Background(), srv.URL+"?org=o&bucket=b&token=t")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := conn.(*Conn)
	if c.API() != APIV2 {
		t.Fatalf("API %s, want v2", c.API())
	}
	if v, _ := c.Version(context.Background()); v != "InfluxDB 2.7.11 (v2 API: Flux)" {
		t.Errorf("version %q", v)
	}
	st, err := c.SeriesStore(series.Schema{Table: "cpu"})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	h := &series.Host{Tags: [series.NumTags]string{"host_1", "r"}}
	if err := st.LoadRows(ctx, []series.Row{{Host: h, Time: time.Unix(1451606400, 5), Fields: [series.NumFields]float64{1.5}}}); err != nil {
		t.Fatal(err)
	}
	if len(f.writes) != 1 || !strings.HasPrefix(f.writes[0], "b ns\ncpu,hostname=host_1,region=r usage_user=1.5,usage_system=0,") ||
		!strings.HasSuffix(f.writes[0], " 1451606400000000005") {
		t.Errorf("writes %q", f.writes)
	}

	f.csv = "#datatype,string,long,dateTime:RFC3339Nano,string,double\n#group,false,false,false,true,false\n#default,_result,,,,\n" +
		",result,table,_time,_field,_value\n" +
		",,0,2016-01-01T00:17:03Z,usage_user,12.5\n" +
		",,0,2016-01-01T00:20:00Z,usage_user,13\n" +
		",,1,2016-01-01T00:17:03Z,usage_system,1.5\n" +
		",,1,2016-01-01T00:20:00Z,usage_system,2\n\n"
	start := time.Date(2016, 1, 1, 0, 17, 3, 0, time.UTC)
	got, err := st.MaxByTime(ctx, series.MaxQuery{Hosts: []string{"host_1", "host_1"}, Fields: []int{0, 1, 0}, Start: start, End: start.Add(10 * time.Minute), Bucket: 5 * time.Minute}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []series.Bucket{
		{Time: time.Date(2016, 1, 1, 0, 15, 0, 0, time.UTC), Values: []float64{12.5, 1.5, 12.5}},
		{Time: time.Date(2016, 1, 1, 0, 20, 0, 0, time.UTC), Values: []float64{13, 2, 13}},
	}
	if d := series.DiffBuckets(got, want); d != "" {
		t.Errorf("MaxByTime: %s", d)
	}
	if !strings.Contains(f.query, `r.hostname == \"host_1\")`) || strings.Count(f.query, "host_1") != 1 {
		t.Errorf("query asks for host_1 other than once: %s", f.query)
	}

	f.csv = "#datatype,string,long,dateTime:RFC3339Nano,string,double,double,double,double,double,double,double,double,double,double\n" +
		"#group,false,false,false,true,false,false,false,false,false,false,false,false,false,false\n#default,_result,,,,,,,,,,,,,\n" +
		",result,table,_time,hostname," + strings.Join(series.FieldNames[:], ",") + "\n" +
		",,0,2016-01-01T00:59:50Z,host_2,1,2,3,4,5,6,7,8,9,10\n" +
		",,1,2016-01-01T00:59:50.5Z,host_10,91,0,0,0,0,0,0,0,0,0.25\n\n"
	pts, err := st.LastPoint(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantPts := []series.HostPoint{
		{Host: "host_10", Time: time.Date(2016, 1, 1, 0, 59, 50, 5e8, time.UTC), Fields: [series.NumFields]float64{91, 9: 0.25}},
		{Host: "host_2", Time: time.Date(2016, 1, 1, 0, 59, 50, 0, time.UTC), Fields: [series.NumFields]float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}},
	}
	if d := cmp.Diff(wantPts, pts); d != "" {
		t.Errorf("LastPoint (-want +got):\n%s", d)
	}
}

func gunzip(r io.Reader) io.Reader {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return strings.NewReader("bad gzip: " + err.Error())
	}
	return zr
}
