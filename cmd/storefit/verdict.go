package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/storefit/storefit/results"
)

// Exit statuses of a run whose result was written but went wrong; a run
// with several problems exits with the lowest (docs/verdicts.md).
const (
	exitCellFailed        = 3 // a cell failed or was interrupted
	exitValidationFailed  = 4 // a store gave wrong answers
	exitThresholdBreached = 5 // a threshold was breached
)

// exitError carries an exit status other than the defaults of run.
type exitError struct {
	code int
	err  error
}

func (e exitError) Error() string { return e.err.Error() }
func (e exitError) Unwrap() error { return e.err }

// runVerdict prints what went wrong in a written result — failed cells,
// failed validations, breached thresholds — and returns the error that
// sets the exit status, or nil when nothing did.
func runVerdict(w io.Writer, res *results.Result) error {
	p := res.Problems()
	if p.None() {
		return nil
	}
	var summary []string
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, it := range items {
			fmt.Fprintf(w, "  %s\n", it)
		}
		summary = append(summary, fmt.Sprintf("%d %s", len(items), title))
	}
	fmt.Fprintln(w)
	list(plural(len(p.Failed), "cell failed", "cells failed"), p.Failed)
	list(plural(len(p.Invalid), "validation failed", "validations failed"), p.Invalid)
	list(plural(len(p.Breached), "threshold breached", "thresholds breached"), p.Breached)
	err := fmt.Errorf("%s (listed above; the result was written)", strings.Join(summary, ", "))
	switch {
	case len(p.Failed) > 0:
		return exitError{exitCellFailed, err}
	case len(p.Invalid) > 0:
		return exitError{exitValidationFailed, err}
	}
	return exitError{exitThresholdBreached, err}
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
