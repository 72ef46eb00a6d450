package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/storefit/storefit/runner"
	"github.com/storefit/storefit/workloads/point"
)

// ycsbSuite turns YCSB property files (-P, later files win) and properties
// (-p, which win over every file) into a one-workload suite: the point
// workload they describe, with threadcount, target, operationcount and
// maxexecutiontime as its run settings (flags such as --workers still win).
// It says on w which workload it runs and which properties it ignores.
func ycsbSuite(w io.Writer, files, props []string) (*runner.Suite, error) {
	m, err := point.LoadYCSBProperties(files, props)
	if err != nil {
		return nil, err
	}
	y, err := point.FromYCSB(m)
	if err != nil {
		return nil, err
	}
	var set runner.Settings
	if y.Run.Workers > 0 {
		set.Workers = &runner.Workers{N: y.Run.Workers}
	}
	if y.Run.Rate > 0 {
		set.Rate = &y.Run.Rate
	}
	if y.Run.Ops > 0 {
		set.Ops = &y.Run.Ops
	}
	if y.Run.Duration > 0 {
		d := runner.Duration(y.Run.Duration)
		set.Duration = &d
	}
	src := "YCSB properties"
	if len(files) > 0 {
		src = "YCSB " + strings.Join(files, " ")
	}
	name := "point/" + y.Mix
	fmt.Fprintf(w, "storefit: %s: workload %s\n", src, name)
	for _, n := range y.Notes {
		fmt.Fprintf(w, "storefit: %s: %s\n", src, n)
	}
	var foreign []string
	for _, ig := range y.Ignored {
		if !ig.Core {
			// A database binding's property may hold a password: name
			// it, never print its value.
			foreign = append(foreign, ig.Name)
			continue
		}
		fmt.Fprintf(w, "storefit: %s: ignoring %s=%s: %s\n", src, ig.Name, ig.Value, ig.Reason)
	}
	if len(foreign) > 0 {
		fmt.Fprintf(w, "storefit: %s: ignoring %s: not CoreWorkload or Client properties (a database binding's?)\n", src, strings.Join(foreign, ", "))
	}
	return &runner.Suite{Name: src, Workloads: []runner.SuiteWorkload{{Workload: name, Settings: set, Options: y.Options}}}, nil
}
