package k8s

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strings"

	batchv1 "k8s.io/api/batch/v1"

	"github.com/storefit/storefit/results"
)

// ParseLog returns the result documents in a pod's log: the lines that are
// a JSON result (what `storefit run --out -` prints), skipping anything
// else (progress lines, kubectl's prefixes are not expected).
func ParseLog(r io.Reader) ([]*results.Result, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<20), 256<<20) // a result line holds every histogram
	var out []*results.Result
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if !bytes.HasPrefix(line, []byte(`{"schema_version"`)) {
			continue
		}
		r, err := results.Parse(line)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read log: %w", err)
	}
	return out, nil
}

// Kubectl runs kubectl for Collect. Path is the kubectl binary ("kubectl"
// when empty); Namespace, when set, is passed as --namespace.
type Kubectl struct {
	Path      string
	Namespace string
}

func (k Kubectl) run(ctx context.Context, args ...string) ([]byte, error) {
	if k.Namespace != "" {
		args = append([]string{"--namespace", k.Namespace}, args...)
	}
	cmd := exec.CommandContext(ctx, cmpOr(k.Path, "kubectl"), args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("kubectl %s: %s", strings.Join(args, " "), msg)
	}
	return out, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Collect gathers the results of the pods of the Job named job (run with
// results on stdout): it lists the Job's pods and reads each one's log. It
// returns one result per pod, in no particular order; a pod whose log holds
// no result (still running, failed before writing it) is an error naming
// the pod.
func Collect(ctx context.Context, k Kubectl, job string) ([]*results.Result, error) {
	out, err := k.run(ctx, "get", "pods", "--selector", batchv1.JobNameLabel+"="+job,
		"--output", `jsonpath={range .items[*]}{.metadata.name}{"\n"}{end}`)
	if err != nil {
		return nil, err
	}
	pods := strings.Fields(string(out))
	if len(pods) == 0 {
		return nil, fmt.Errorf("job %q has no pods (wrong name or namespace?)", job)
	}
	var all []*results.Result
	var errs []error
	for _, pod := range pods {
		log, err := k.run(ctx, "logs", "pod/"+pod, "--container", "storefit")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rs, err := ParseLog(bytes.NewReader(log))
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("pod %s: %w", pod, err))
		case len(rs) == 0:
			errs = append(errs, fmt.Errorf("pod %s: its log holds no result (still running, or failed: kubectl logs pod/%s)", pod, pod))
		default:
			all = append(all, rs...)
		}
	}
	return all, errors.Join(errs...)
}
