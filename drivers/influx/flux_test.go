package influx

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	influxdb2 "github.com/influxdata/influxdb-client-go/v2"

	"github.com/storefit/storefit/workloads/series"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// v2Store returns a 2.x store on a client that is never used to connect:
// query text only.
func v2Store(t *testing.T, table string) *v2Series {
	t.Helper()
	cfg, err := ParseConfig("http://127.0.0.1:1?org=storefit&bucket=bench&token=secret")
	if err != nil {
		t.Fatal(err)
	}
	c := &Conn{cfg: cfg, api: APIV2, v2: influxdb2.NewClient(cfg.URL, cfg.Token)}
	t.Cleanup(c.v2.Close)
	return newV2Series(c, table)
}

// golden compares got with testdata/flux/name.flux (rewritten with -update).
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "flux", name+".flux")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s: Flux text changed (go test -update rewrites it):\n--- got\n%s--- want\n%s", path, got, want)
	}
}

// TestFluxGolden fixes the Flux text of every TSBS query, so a change to
// it shows in review (TestConformanceV2 runs it against InfluxDB 2.7).
func TestFluxGolden(t *testing.T) {
	s := v2Store(t, "cpu")
	start := time.Date(2016, 1, 1, 0, 17, 3, 0, time.UTC)
	odd := time.Date(2016, 1, 1, 1, 17, 3, 123456789, time.UTC)
	for _, tc := range []struct {
		name string
		flux string
	}{
		{"single-groupby-1-1-1", s.maxByTimeFlux(series.MaxQuery{Hosts: []string{"host_7"}, Fields: []int{0}, Start: start, End: start.Add(time.Hour), Bucket: 5 * time.Minute}, []int{0}, []string{"host_7"})},
		{"single-groupby-5-8-1", s.maxByTimeFlux(series.MaxQuery{Start: start, End: odd, Bucket: 150 * time.Second},
			[]int{0, 1, 2, 3, 4}, []string{"host_1", "host_12", "host_3", "host_44", "host_5", "host_6", "host_70", "host_8"})},
		{"double-groupby-1", s.meanByTimeHostFlux(series.MeanQuery{Start: start, End: start.Add(12 * time.Hour), Bucket: time.Hour}, []int{0})},
		{"high-cpu-1", s.highCPUFlux(series.HighCPUQuery{Threshold: 90, Start: start, End: start.Add(12 * time.Hour)}, []string{"host_9"})},
		{"high-cpu-all", s.highCPUFlux(series.HighCPUQuery{Threshold: 99.5, Start: start, End: odd}, nil)},
		{"lastpoint", s.lastPointFlux()},
		{"groupby-orderby-limit", s.recentMaxByTimeFlux(series.RecentQuery{End: odd, Bucket: time.Minute, Limit: 5})},
		{"hostile-names", v2Store(t, `c"p${u}\`).maxByTimeFlux(series.MaxQuery{Start: start, End: start.Add(time.Second), Bucket: 7 * time.Millisecond},
			[]int{9}, []string{`h"1`, "h${x}", `h\2`, "h\n3"})},
	} {
		t.Run(tc.name, func(t *testing.T) { golden(t, tc.name, tc.flux) })
	}
}

func TestFluxLiterals(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{fluxString(`a"b\c${d}` + "\n\x01"), `"a\"b\\c\${d}\n\x01"`},
		{fluxString("héllo"), `"héllo"`},
		{fluxFloat(90), "90.0"},
		{fluxFloat(99.5), "99.5"},
		{fluxFloat(-2), "(-2.0)"},
		{fluxFloat(0.0000019073486328125), "0.0000019073486328125"},
		{fluxTime(time.Date(2016, 1, 1, 0, 0, 0, 1, time.FixedZone("x", 3600))), "2015-12-31T23:00:00.000000001Z"},
		{fluxDuration(5 * time.Minute), "5m"},
		{fluxDuration(150 * time.Second), "150s"},
		{fluxDuration(24 * time.Hour), "24h"},
		{fluxDuration(1500 * time.Microsecond), "1500us"},
		{fluxDuration(7), "7ns"},
		{durationText(90*time.Minute, durationUnitsQL), "90m"},
		{durationText(time.Microsecond, durationUnitsQL), "1u"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %s, want %s", tc.got, tc.want)
		}
	}
}

func TestLineProtocol(t *testing.T) {
	h := &series.Host{Tags: [series.NumTags]string{"host_0", "eu west", "a,b", "k=v", "", "x86", "t", "s", "1", "prod"}}
	var f [series.NumFields]float64
	for i := range f {
		f[i] = float64(i) + 0.5
	}
	f[0], f[1] = 12, 0.0000019073486328125
	got, err := appendLines(nil, "c p,u", []series.Row{{Host: h, Time: time.Unix(1451606400, 7), Fields: f}})
	if err != nil {
		t.Fatal(err)
	}
	want := `c\ p\,u,hostname=host_0,region=eu\ west,datacenter=a\,b,rack=k\=v,arch=x86,team=t,service=s,service_version=1,service_environment=prod ` +
		"usage_user=12,usage_system=0.0000019073486328125,usage_idle=2.5,usage_nice=3.5,usage_iowait=4.5,usage_irq=5.5,usage_softirq=6.5,usage_steal=7.5,usage_guest=8.5,usage_guest_nice=9.5 1451606400000000007\n"
	if string(got) != want {
		t.Errorf("line protocol\n%s\nwant\n%s", got, want)
	}
	h.Tags[1] = "two\nlines"
	if _, err := appendLines(nil, "cpu", []series.Row{{Host: h, Fields: f}}); err == nil {
		t.Error("a tag with a line break was accepted")
	}
}
