package k8s

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A fake kubectl: lists two pods of job "sf" in namespace "bench" and
// prints logs with progress lines around one result line each.
const fakeKubectl = `#!/bin/sh
[ "$1 $2" = "--namespace bench" ] || { echo "wrong namespace: $*" >&2; exit 1; }
shift 2
case "$1 $2" in
"get pods")
	case "$*" in *batch.kubernetes.io/job-name=sf*) printf 'sf-0-abc\nsf-1-def\n' ;; esac ;;
"logs pod/sf-0-abc")
	echo "[1/1] point/c on noop (shard 0/2)"
	echo '{"schema_version":1,"plan_id":"p","shard":{"index":0,"count":2},"cells":[]}' ;;
"logs pod/sf-1-def")
	echo '{"schema_version":1,"plan_id":"p","shard":{"index":1,"count":2},"cells":[]}'
	echo "result written" ;;
*) echo "unexpected: $*" >&2; exit 1 ;;
esac
`

func TestCollect(t *testing.T) {
	dir := t.TempDir()
	kubectl := filepath.Join(dir, "kubectl")
	if err := os.WriteFile(kubectl, []byte(fakeKubectl), 0o755); err != nil {
		t.Fatal(err)
	}
	k := Kubectl{Path: kubectl, Namespace: "bench"}
	rs, err := Collect(context.Background(), k, "sf")
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].Shard.Index != 0 || rs[1].Shard.Index != 1 {
		t.Fatalf("collected %d results", len(rs))
	}
	if _, err := Collect(context.Background(), k, "other"); err == nil || !strings.Contains(err.Error(), "no pods") {
		t.Errorf("unknown job: %v", err)
	}
	if _, err := Collect(context.Background(), Kubectl{Path: kubectl, Namespace: "prod"}, "sf"); err == nil || !strings.Contains(err.Error(), "wrong namespace") {
		t.Errorf("kubectl failure: %v", err)
	}
}

func TestParseLogSkipsOtherLines(t *testing.T) {
	rs, err := ParseLog(strings.NewReader("progress\n{\"schema_version\":1,\"cells\":[]}\n{not json\n"))
	if err != nil || len(rs) != 1 {
		t.Fatalf("%d results, %v", len(rs), err)
	}
	if _, err := ParseLog(strings.NewReader(`{"schema_version":1,"cells":`)); err == nil {
		t.Error("a truncated result line was accepted")
	}
}
