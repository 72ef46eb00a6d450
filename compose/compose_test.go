package compose

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"

	"github.com/storefit/storefit/drivers"
	_ "github.com/storefit/storefit/drivers/all"
)

// issueServices are the services docker-compose.yml must define whether or
// not storefit has their driver yet.
var issueServices = []string{
	"postgres", "timescaledb", "redis", "cassandra", "neo4j", "elasticsearch",
	"influxdb", "clickhouse", "kafka", "debezium", "hbase",
}

// serviceOf names the compose service of drivers whose name differs.
// nativeOnly are server stores that docker-compose.yml leaves out on
// purpose: opensearch is the search server CI runs from Maven jars
// (compose/native/opensearch.sh) because Elasticsearch 8 cannot be; Docker
// users get Elasticsearch 8 (issue 8).
var nativeOnly = []string{"opensearch"}

var serviceOf = map[string]string{
	"timescale": "timescaledb",
	"elastic":   "elasticsearch",
	"influx":    "influxdb",
	"influx2":   "influxdb",
}

// load loads docker-compose.yml with the given env files (none: an empty
// environment), validated against the compose specification.
func load(t *testing.T, envFiles ...string) (*types.Project, error) {
	t.Helper()
	opts := []cli.ProjectOptionsFn{cli.WithWorkingDirectory("."), cli.WithName("storefit"), cli.WithEnv(nil)}
	if len(envFiles) > 0 {
		opts = append(opts, cli.WithEnvFiles(envFiles...), cli.WithDotEnv)
	}
	o, err := cli.NewProjectOptions([]string{"docker-compose.yml"}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return o.LoadProject(context.Background())
}

func TestComposeFile(t *testing.T) {
	p, err := load(t, ".env.example")
	if err != nil {
		t.Fatalf("docker-compose.yml with .env.example: %v", err)
	}
	want := slices.Clone(issueServices)
	for _, name := range drivers.Names() {
		info, ok := drivers.Describe(name)
		if !ok || info.Embedded || info.Composite || slices.Contains(nativeOnly, name) {
			continue
		}
		svc := name
		if s, ok := serviceOf[name]; ok {
			svc = s
		}
		if !slices.Contains(want, svc) {
			want = append(want, svc)
		}
	}
	for _, name := range want {
		t.Run(name, func(t *testing.T) {
			s, ok := p.Services[name]
			if !ok {
				t.Fatalf("no service %s in docker-compose.yml", name)
			}
			checkService(t, p, s)
		})
	}
}

// checkService checks the service's image is pinned and that it has a
// healthcheck, loopback-only ports and a named volume.
func checkService(t *testing.T, p *types.Project, s types.ServiceConfig) {
	ref := s.Image[strings.LastIndex(s.Image, "/")+1:]
	_, tag, ok := strings.Cut(ref, ":")
	if !ok || tag == "latest" || !regexp.MustCompile(`^\d+\.\d+`).MatchString(tag) {
		t.Errorf("image %q is not pinned to a version", s.Image)
	}
	if hc := s.HealthCheck; hc == nil || hc.Disable || len(hc.Test) == 0 {
		t.Errorf("no healthcheck")
	}
	if len(s.Ports) == 0 {
		t.Errorf("no port published")
	}
	for _, pc := range s.Ports {
		if pc.HostIP != "127.0.0.1" {
			t.Errorf("port %s:%d is bound to %q, not 127.0.0.1", pc.Published, pc.Target, pc.HostIP)
		}
	}
	named := false
	for _, v := range s.Volumes {
		if v.Type == types.VolumeTypeVolume {
			if _, ok := p.Volumes[v.Source]; !ok {
				t.Errorf("volume %s is not declared", v.Source)
			}
			named = true
		}
	}
	if !named {
		t.Errorf("no named volume")
	}
}

// TestRedisMatchesNative checks that the redis service is the one
// compose/native/redis.sh starts: same version, port and persistence.
func TestRedisMatchesNative(t *testing.T) {
	p, err := load(t, ".env.example")
	if err != nil {
		t.Fatal(err)
	}
	s := p.Services["redis"]
	if len(s.Ports) != 1 || s.Ports[0].Published != "6379" {
		t.Errorf("redis ports %+v, want 127.0.0.1:6379", s.Ports)
	}
	cmd := strings.Join(s.Command, " ")
	for _, opt := range []string{"--save  ", "--appendonly no"} {
		if !strings.Contains(cmd, opt) {
			t.Errorf("redis command %q lacks %q", cmd, opt)
		}
	}
}

// TestCredentialsFromEnvFile checks that the passwords come from the env
// file: without one, loading fails naming the variable and the file.
func TestCredentialsFromEnvFile(t *testing.T) {
	_, err := load(t)
	if err == nil {
		t.Fatal("docker-compose.yml loads without an env file: credentials are not taken from .env")
	}
	if !strings.Contains(err.Error(), "compose/.env") {
		t.Errorf("error does not point at compose/.env: %v", err)
	}
}

// TestEnvExampleComplete checks that .env.example sets every variable
// docker-compose.yml uses, and nothing else.
func TestEnvExampleComplete(t *testing.T) {
	yml, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	env, err := os.ReadFile(".env.example")
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{}
	for _, m := range regexp.MustCompile(`[^$]\$\{([A-Z0-9_]+)`).FindAllSubmatch(yml, -1) {
		used[string(m[1])] = true
	}
	set := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^([A-Z0-9_]+)=`).FindAllSubmatch(env, -1) {
		set[string(m[1])] = true
	}
	for v := range used {
		if !set[v] {
			t.Errorf("docker-compose.yml uses %s, which .env.example does not set", v)
		}
	}
	for v := range set {
		if !used[v] {
			t.Errorf(".env.example sets %s, which docker-compose.yml does not use", v)
		}
	}
}

// TestKafkaDebeziumMatchNative checks that the kafka and debezium services
// run the releases compose/native/kafka.sh and debezium.sh resolve from
// Maven (the versions in their poms).
func TestKafkaDebeziumMatchNative(t *testing.T) {
	p, err := load(t, ".env.example")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ service, pom, property string }{
		{"kafka", "native/jvm/kafka/pom.xml", "kafka.version"},
		{"debezium", "native/jvm/debezium/pom.xml", "debezium.version"},
	}
	for _, tt := range tests {
		pom, err := os.ReadFile(tt.pom)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(`<` + regexp.QuoteMeta(tt.property) + `>([^<]+)<`).FindSubmatch(pom)
		if m == nil {
			t.Fatalf("%s has no <%s>", tt.pom, tt.property)
		}
		image := p.Services[tt.service].Image
		if _, tag, _ := strings.Cut(image[strings.LastIndex(image, "/")+1:], ":"); tag != string(m[1]) {
			t.Errorf("service %s runs %s, compose/%s has %s %s", tt.service, image, tt.pom, tt.property, m[1])
		}
	}
}

// TestDebeziumImageBuiltFromNativePom checks that the debezium service is
// built from the Maven project the native script runs, so both paths use
// the same jars.
func TestDebeziumImageBuiltFromNativePom(t *testing.T) {
	p, err := load(t, ".env.example")
	if err != nil {
		t.Fatal(err)
	}
	b := p.Services["debezium"].Build
	if b == nil {
		t.Fatal("service debezium has no build section")
	}
	df, err := os.ReadFile(filepath.Join(b.Context, b.Dockerfile))
	if err != nil {
		t.Fatalf("debezium's Dockerfile: %v", err)
	}
	for _, want := range []string{"native/jvm/debezium/pom.xml", "dependency:copy-dependencies", "USER 1000"} {
		if !strings.Contains(string(df), want) {
			t.Errorf("debezium's Dockerfile does not contain %q", want)
		}
	}
}

// TestNewStoresMatchNative checks that the services of the stores CI
// builds natively run the same releases: the timescaledb and influxdb
// images are the versions compose/native/timescale.sh and influx2.sh
// build, influxdb is published on influx2's port, and hbase is built from
// the Maven projects compose/native/hbase.sh runs.
func TestNewStoresMatchNative(t *testing.T) {
	p, err := load(t, ".env.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ service, script, pattern string }{
		{"timescaledb", "native/timescale.sh", `(?m)^TS_VERSION=([0-9.]+)$`},
		{"influxdb", "native/influx2.sh", `STOREFIT_INFLUX2_VERSION:-([0-9.]+)\}`},
	} {
		src, err := os.ReadFile(tt.script)
		if err != nil {
			t.Fatal(err)
		}
		m := regexp.MustCompile(tt.pattern).FindSubmatch(src)
		if m == nil {
			t.Fatalf("%s: no version matching %s", tt.script, tt.pattern)
		}
		image := p.Services[tt.service].Image
		if _, tag, _ := strings.Cut(image[strings.LastIndex(image, "/")+1:], ":"); !strings.HasPrefix(tag, string(m[1])) {
			t.Errorf("service %s runs %s, %s builds %s", tt.service, image, tt.script, m[1])
		}
	}
	if ports := p.Services["influxdb"].Ports; len(ports) != 1 || ports[0].Published != "8087" {
		t.Errorf("influxdb ports %+v, want 127.0.0.1:8087 (compose/native/influx2.sh's)", ports)
	}
	b := p.Services["hbase"].Build
	if b == nil {
		t.Fatal("service hbase has no build section")
	}
	df, err := os.ReadFile(filepath.Join(b.Context, b.Dockerfile))
	if err != nil {
		t.Fatalf("hbase's Dockerfile: %v", err)
	}
	for _, want := range []string{"native/jvm/hbase/pom.xml", "native/jvm/hbase/rest/pom.xml", "dependency:copy-dependencies", "USER 1000"} {
		if !strings.Contains(string(df), want) {
			t.Errorf("hbase's Dockerfile does not contain %q", want)
		}
	}
}
