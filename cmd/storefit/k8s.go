package main

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/storefit/storefit/drivers"
	"github.com/storefit/storefit/k8s"
	"github.com/storefit/storefit/results"
)

func newK8sCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "k8s",
		Short: "Run sharded load generation on Kubernetes: write the manifest, collect the results",
		Long: `When one machine cannot generate enough load for a store cluster, storefit
runs as n pods of a Kubernetes Indexed Job, each pod one shard of the plan
('storefit run --shard i/n'), all starting their measured phase at one
wall-clock instant (--start-at). 'k8s manifest' writes the Job and the
ConfigMap holding the suite; 'k8s collect' gathers the pods' results, and
'storefit merge' combines them (see docs/kubernetes.md).`,
	}
	cmd.AddCommand(newK8sManifestCmd(), newK8sCollectCmd())
	return cmd
}

type manifestFlags struct {
	o          k8s.Options
	suite      string
	startAt    string
	startIn    time.Duration
	startEvery time.Duration
	cpu, mem   string
	stdout     bool
	out        string
}

func newK8sManifestCmd() *cobra.Command {
	f := &manifestFlags{}
	cmd := &cobra.Command{
		Use:   "manifest --shards N --suite FILE [--store STORE...] [-- RUN FLAGS...]",
		Short: "Write the Kubernetes manifest (ConfigMap + Indexed Job) of a sharded run",
		Long: `Manifest writes a ConfigMap holding the suite and an Indexed Job of N pods
(completionMode Indexed, parallelism = completions = N). Pod i runs

  storefit run --suite SUITE --shard i/N --start-at T [RUN FLAGS] --out …

with T computed now: --start-in after this moment (default 2m: time for the
pods to be scheduled, pull the image, and load), or --start-at. Flags after
'--' go to every pod's 'storefit run' (e.g. -- --rate 20000 --duration 60s).

Results go to stdout, one JSON document per pod (default: gather them with
'storefit k8s collect'), or with --pvc NAME to a PersistentVolumeClaim
mounted at /results, shard i writing /results/JOB/shard-i.json.

Passwords do not belong in a manifest: give the stores by name and their
DSNs in a Secret (--dsn-secret NAME) with keys STOREFIT_<STORE>_DSN.

The manifest is checked before it is written: the suite, stores and run
flags are parsed as the pods will parse them.`,
		Example: `  storefit k8s manifest --shards 4 --suite suites/point.yaml --store postgres \
      --dsn-secret storefit-dsns --image registry.example/storefit:v1 -- --rate 40000 --duration 60s > job.yaml
  kubectl apply -f job.yaml
  storefit k8s collect --job storefit -o merged.json`,
		RunE: func(cmd *cobra.Command, args []string) error { return runK8sManifest(f, args) },
	}
	fl := cmd.Flags()
	fl.IntVar(&f.o.Shards, "shards", 0, "number of pods (shards)")
	fl.StringVar(&f.suite, "suite", "", "suite file (YAML) the pods run")
	fl.StringArrayVarP(&f.o.Stores, "store", "s", nil, "store as NAME or NAME=DSN, given to every pod (repeatable; DSNs with passwords: --dsn-secret)")
	fl.StringVar(&f.o.DSNSecret, "dsn-secret", "", "Secret whose keys (STOREFIT_<STORE>_DSN) become the pods' environment")
	fl.StringVar(&f.o.Image, "image", "storefit:"+tool().Version, "storefit image the pods run (see Dockerfile)")
	fl.StringVarP(&f.o.Namespace, "namespace", "n", "", "namespace of the objects (default: kubectl's)")
	fl.StringVar(&f.o.Name, "name", "storefit", "name of the Job (the ConfigMap is NAME-suite)")
	fl.StringVar(&f.o.Phase, "phase", "all", "phases the pods run: all, load or run (see 'storefit run --help')")
	fl.StringVar(&f.startAt, "start-at", "", "coordinated start of the measured phase (RFC3339); default now + --start-in")
	fl.DurationVar(&f.startIn, "start-in", 2*time.Minute, "start the measured phase this long after the manifest is written")
	fl.DurationVar(&f.startEvery, "start-every", 0, "time between the measured starts of the suite's cells (suites of several cells)")
	fl.StringVar(&f.cpu, "cpu", "2", "CPU of each pod (request = limit)")
	fl.StringVar(&f.mem, "memory", "1Gi", "memory of each pod (request = limit)")
	fl.StringVar(&f.o.PVC, "pvc", "", "PersistentVolumeClaim for the results (ReadWriteMany across nodes)")
	fl.BoolVar(&f.stdout, "stdout", false, "results as one JSON document per pod on stdout (the default without --pvc)")
	fl.DurationVar(&f.o.TTL, "ttl", 24*time.Hour, "keep the finished Job and its pods' logs this long (0: forever)")
	fl.StringVarP(&f.out, "out", "o", "", "manifest file (default: stdout)")
	return cmd
}

func runK8sManifest(f *manifestFlags, runArgs []string) error {
	o := f.o
	o.RunArgs = runArgs
	switch {
	case f.suite == "":
		return usagef("give the suite the pods run with --suite FILE")
	case o.Shards < 1:
		return usagef("give the number of pods with --shards N")
	case f.stdout && o.PVC != "":
		return usagef("give either --pvc NAME or --stdout, not both")
	}
	suite, err := os.ReadFile(f.suite)
	if err != nil {
		return usageError{fmt.Errorf("suite: %w", err)}
	}
	o.Suite, o.SuiteName = suite, filepath.Base(f.suite)
	for _, s := range o.Stores {
		if name, dsn, ok := strings.Cut(s, "="); ok && drivers.RedactDSN(dsn) != dsn {
			return usagef("--store %s: a DSN with a password does not belong in a manifest; put it in a Secret (key STOREFIT_%s_DSN) and give --dsn-secret", name+"="+drivers.RedactDSN(dsn), strings.ToUpper(name))
		}
	}
	if o.CPU, err = resource.ParseQuantity(f.cpu); err != nil {
		return usagef("--cpu %q: %v", f.cpu, err)
	}
	if o.Memory, err = resource.ParseQuantity(f.mem); err != nil {
		return usagef("--memory %q: %v", f.mem, err)
	}
	o.StartEvery = f.startEvery
	if o.Phase != "load" {
		switch {
		case f.startAt != "":
			if o.StartAt, err = time.Parse(time.RFC3339Nano, f.startAt); err != nil {
				return usagef("--start-at %q: give an RFC3339 time such as 2026-11-25T20:00:00Z", f.startAt)
			}
		case f.startIn <= 0:
			return usagef("--start-in must be positive")
		default:
			// Whole seconds: readable in the manifest and in logs.
			o.StartAt = time.Now().Add(f.startIn).UTC().Truncate(time.Second).Add(time.Second)
		}
	}

	// Parse what the pods will run, here and now: a bad suite, store or
	// flag is found before the Job starts n pods.
	check := []string{"--suite", f.suite, "--shard", fmt.Sprintf("0/%d", o.Shards), "--phase", cmp.Or(o.Phase, "all")}
	for _, s := range o.Stores {
		check = append(check, "--store", s)
	}
	if !o.StartAt.IsZero() {
		check = append(check, "--start-at", o.StartAt.Format(time.RFC3339Nano))
	}
	if o.StartEvery > 0 {
		check = append(check, "--start-every", o.StartEvery.String())
	}
	rf := &runFlags{}
	rc := newRunCmdFlags(rf)
	if err := rc.ParseFlags(slices.Concat(check, runArgs)); err != nil {
		return usagef("run flags: %v", err)
	}
	if rest := rc.Flags().Args(); len(rest) > 0 {
		return usagef("run flags: unexpected argument %q", rest[0])
	}
	if _, err := buildPlan(rc, rf); err != nil {
		return usageError{fmt.Errorf("the pods could not run: %w", err)}
	}

	m, err := k8s.Manifest(o)
	if err != nil {
		return usageError{err}
	}
	if f.out == "" {
		_, err = os.Stdout.Write(m)
		return err
	}
	if err := results.WriteFileAtomic(f.out, m); err != nil {
		return err
	}
	if !o.StartAt.IsZero() {
		fmt.Fprintf(os.Stderr, "manifest written to %s; the measured phase starts at %s (apply it before then)\n", f.out, o.StartAt.Format(time.RFC3339))
	} else {
		fmt.Fprintf(os.Stderr, "manifest written to %s\n", f.out)
	}
	return nil
}

func newK8sCollectCmd() *cobra.Command {
	var (
		k       k8s.Kubectl
		job     string
		dir     string
		out     string
		fromLog bool
	)
	cmd := &cobra.Command{
		Use:   "collect [--job NAME] [-o MERGED.json] [--dir DIR] [--logs LOG...]",
		Short: "Gather the results of a sharded run's pods (results on stdout) and merge them",
		Long: `Collect lists the pods of the Job (kubectl get pods), reads each one's log
(kubectl logs) and extracts its result document: the JSON line 'storefit run
--out -' prints. With --logs, it reads saved logs given as arguments instead
of asking kubectl. It writes each shard's result to DIR/shard-i.json when
--dir is given, and the merged result ('storefit merge') to -o.

For results on a PVC (manifest --pvc), copy the files out instead (see
docs/kubernetes.md) and run 'storefit merge' on them.`,
		Example: `  storefit k8s collect --job storefit -n bench --dir shards -o merged.json
  kubectl logs -l batch.kubernetes.io/job-name=storefit --tail=-1 > all.log
  storefit k8s collect --logs all.log -o merged.json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" && dir == "" {
				return usagef("give -o MERGED.json, --dir DIR, or both")
			}
			var rs []*results.Result
			if fromLog {
				if len(args) == 0 {
					return usagef("--logs: give the log files")
				}
				for _, p := range args {
					fh, err := os.Open(p)
					if err != nil {
						return usageError{err}
					}
					r, err := k8s.ParseLog(fh)
					fh.Close()
					if err != nil {
						return usageError{fmt.Errorf("%s: %w", p, err)}
					}
					rs = append(rs, r...)
				}
			} else {
				if len(args) > 0 {
					return usagef("log files are read with --logs; without it collect asks kubectl")
				}
				var err error
				if rs, err = k8s.Collect(cmd.Context(), k, job); err != nil {
					return err
				}
			}
			if len(rs) == 0 {
				return usagef("no results found")
			}
			if dir != "" {
				for i, r := range rs {
					name := fmt.Sprintf("result-%d.json", i)
					if r.Shard != nil {
						name = fmt.Sprintf("shard-%d.json", r.Shard.Index)
					}
					if err := results.WriteFile(filepath.Join(dir, name), r); err != nil {
						return err
					}
				}
				fmt.Fprintf(os.Stderr, "%s written to %s\n", results.Plural(len(rs), "result"), dir)
			}
			if out != "" {
				m, err := results.Merge(rs)
				if err != nil {
					return usageError{err}
				}
				if err := results.WriteFile(out, m); err != nil {
					return err
				}
				fmt.Fprintf(os.Stderr, "%s merged into %s\n", results.Plural(len(rs), "shard"), out)
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&job, "job", "storefit", "name of the Job")
	fl.StringVarP(&k.Namespace, "namespace", "n", "", "namespace of the Job (default: kubectl's)")
	fl.StringVar(&k.Path, "kubectl", "kubectl", "kubectl binary")
	fl.StringVar(&dir, "dir", "", "write each shard's result to DIR/shard-i.json")
	fl.StringVarP(&out, "out", "o", "", "merged result file")
	fl.BoolVar(&fromLog, "logs", false, "read the given log files instead of asking kubectl")
	return cmd
}
