package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"

	"github.com/storefit/storefit/results"
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

// The manifest's pods, simulated: each pod's container arguments from the
// Job (decoded with the Kubernetes scheme), the completion index put in as
// the kubelet would, run as local processes whose stdout and stderr form the
// pod's log; 'k8s collect --logs' then gathers and merges the results.
func TestK8sManifestPodsRunAndCollect(t *testing.T) {
	if testing.Short() {
		t.Skip("starts storefit processes")
	}
	dir := t.TempDir()
	suite := filepath.Join(dir, "suite.yaml")
	if err := os.WriteFile(suite, []byte("workloads: [point/c]\nstores: [noop]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	manifest := filepath.Join(dir, "job.yaml")
	if _, errs, code := storefit(t, dir, "k8s", "manifest", "--shards", "2", "--suite", suite, "--start-in", "2s", "-o", manifest,
		"--", "--records", "1000", "--rate", "2000", "--workers", "1", "--duration", "1s", "--warmup", "200ms"); code != 0 {
		t.Fatalf("manifest: exit %d: %s", code, errs)
	}
	b, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	scheme := runtime.NewScheme()
	if err := batchv1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	if err := corev1.AddToScheme(scheme); err != nil {
		t.Fatal(err)
	}
	var job *batchv1.Job
	for doc := range bytes.SplitSeq(b, []byte("\n---\n")) {
		obj, _, err := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer().Decode(doc, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if j, ok := obj.(*batchv1.Job); ok {
			job = j
		}
	}
	if job == nil {
		t.Fatal("no Job in the manifest")
	}
	c := job.Spec.Template.Spec.Containers[0]
	var logs []string
	var wg sync.WaitGroup
	for i := range int(*job.Spec.Completions) {
		var args []string
		for _, a := range c.Args {
			a = strings.ReplaceAll(a, "$("+c.Env[0].Name+")", strconv.Itoa(i))
			args = append(args, strings.ReplaceAll(a, "/etc/storefit/suite.yaml", suite))
		}
		log := filepath.Join(dir, fmt.Sprintf("pod-%d.log", i))
		logs = append(logs, log)
		f, err := os.Create(log)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(binary, args...)
		cmd.Stdout, cmd.Stderr = f, f
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			defer f.Close()
			if err := cmd.Wait(); err != nil {
				t.Errorf("pod %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	merged := filepath.Join(dir, "merged.json")
	if _, errs, code := storefit(t, dir, append([]string{"k8s", "collect", "--logs", "--dir", filepath.Join(dir, "shards"), "-o", merged}, logs...)...); code != 0 {
		t.Fatalf("collect: exit %d: %s", code, errs)
	}
	r, err := results.ReadFile(merged)
	if err != nil {
		t.Fatal(err)
	}
	run := r.Cells[0].Run
	if len(r.Merged) != 2 || run == nil || r.StartAt.IsZero() {
		t.Fatalf("merged: %d shards, run %v, start %s", len(r.Merged), run != nil, r.StartAt)
	}
	// 2000 ops/s for 1 s over both pods: every scheduled operation done,
	// or counted as dropped (one may miss the deadline on a busy machine).
	if run.Mode != results.OpenLoop || run.IntendedOps != 2000 || run.Ops+run.DroppedOps != 2000 || run.Errors != 0 {
		t.Errorf("merged: %s loop, %d intended, %d done, %d dropped, %d errors", run.Mode, run.IntendedOps, run.Ops, run.DroppedOps, run.Errors)
	}
	if _, err := os.Stat(filepath.Join(dir, "shards", "shard-1.json")); err != nil {
		t.Error(err)
	}
}
