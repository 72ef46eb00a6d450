package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestK8sManifestCommand(t *testing.T) {
	dir := t.TempDir()
	suite := filepath.Join(dir, "point.yaml")
	if err := os.WriteFile(suite, []byte("workloads: [point/c, point/a]\nstores: [noop]\ndefaults: {duration: 10s}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		code int
		want string // in stdout (code 0) or stderr
	}{
		{"ok", []string{"--shards", "3", "--suite", suite, "--start-every", "2m", "--", "--rate", "1000"},
			0, "- $(JOB_COMPLETION_INDEX)/3"},
		{"load phase", []string{"--shards", "2", "--suite", suite, "--phase", "load"}, 0, "- load"},
		{"cells need start-every", []string{"--shards", "3", "--suite", suite}, exitUsage, "give start-every"},
		{"password", []string{"--shards", "2", "--suite", suite, "--start-every", "1m", "--store", "postgres=postgres://u:hunter2@h/db"},
			exitUsage, "does not belong in a manifest"},
		{"bad run flag", []string{"--shards", "2", "--suite", suite, "--start-every", "1m", "--", "--rate", "fast"}, exitUsage, "--rate"},
		{"flag set by the manifest", []string{"--shards", "2", "--suite", suite, "--start-every", "1m", "--", "--out", "x.json"}, exitUsage, "set by the manifest"},
		{"no shards", []string{"--suite", suite}, exitUsage, "--shards"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errs, code := storefit(t, dir, append([]string{"k8s", "manifest"}, tt.args...)...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d: %s", code, tt.code, errs)
			}
			got := errs
			if code == 0 {
				got = out
			}
			if !strings.Contains(got, tt.want) {
				t.Errorf("output lacks %q:\n%s", tt.want, got)
			}
			if strings.Contains(out+errs, "hunter2") {
				t.Error("the password was printed")
			}
		})
	}
}
