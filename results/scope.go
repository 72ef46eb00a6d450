package results

import (
	"fmt"
	"strings"
)

// Scope selects the operation kinds a latency objective or a threshold
// applies to: every kind ("*"), a pattern's ("graph"), a workload's
// ("graph/mix"), or one operation kind of a pattern or workload
// ("graph.fof", "crud/mix.like"). Kind names are those the results show
// (`storefit report` lists them per workload).
type Scope struct {
	// Pattern is "" for every pattern.
	Pattern string
	// Workload is the full workload name ("graph/mix"), "" for every
	// workload of the pattern.
	Workload string
	// Kind is an operation kind name, "" for every kind.
	Kind string
}

// ParseScope parses "*" (or "all"), PATTERN, PATTERN/VARIANT, either
// followed by .KIND.
func ParseScope(s string) (Scope, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == "*" || s == "all" {
		return Scope{}, nil
	}
	what, kind, hasKind := strings.Cut(s, ".")
	if hasKind && (kind == "" || !scopeName(kind)) {
		return Scope{}, fmt.Errorf("scope %q: %q is not an operation kind (use e.g. graph.fof or crud/mix.like)", s, kind)
	}
	pattern, variant, hasVariant := strings.Cut(what, "/")
	if !scopeName(pattern) || (hasVariant && (variant == "" || !scopeName(variant))) {
		return Scope{}, fmt.Errorf("scope %q: use *, a pattern (agg), a workload (graph/mix), either with .KIND (graph.fof)", s)
	}
	sc := Scope{Pattern: pattern, Kind: kind}
	if hasVariant {
		sc.Workload = what
	}
	return sc, nil
}

// scopeName reports whether s is a plain name: letters, digits, '-' and '_'.
func scopeName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// String formats the scope as ParseScope reads it.
func (s Scope) String() string {
	out := s.Pattern
	if s.Workload != "" {
		out = s.Workload
	}
	if out == "" {
		out = "*"
	}
	if s.Kind != "" {
		out += "." + s.Kind
	}
	return out
}

// IsAll reports whether the scope selects everything.
func (s Scope) IsAll() bool { return s == Scope{} }

// MatchesWorkload reports whether the scope covers (some kinds of) a
// workload.
func (s Scope) MatchesWorkload(workload string) bool {
	if s.Workload != "" {
		return s.Workload == workload
	}
	return s.Pattern == "" || s.Pattern == patternOf(workload)
}

// Matches reports whether the scope covers operation kind of workload
// (kind "" stands for all kinds of the workload together, which a scope
// naming a kind does not cover).
func (s Scope) Matches(workload, kind string) bool {
	return s.MatchesWorkload(workload) && (s.Kind == "" || s.Kind == kind)
}

// specificity orders the scopes that match one kind: a workload's kind,
// then a pattern's kind, then a workload, a pattern, everything.
func (s Scope) specificity() int {
	n := 0
	switch {
	case s.Workload != "":
		n = 2
	case s.Pattern != "":
		n = 1
	}
	if s.Kind != "" {
		n += 3
	}
	return n
}

// patternOf returns the pattern of a workload name: "graph" of "graph/mix".
func patternOf(workload string) string {
	p, _, _ := strings.Cut(workload, "/")
	return p
}

// splitScoped splits "SCOPE:REST" (REST alone when there is no colon).
func splitScoped(s string) (Scope, string, error) {
	scope, rest, ok := strings.Cut(s, ":")
	if !ok {
		return Scope{}, strings.TrimSpace(s), nil
	}
	sc, err := ParseScope(scope)
	return sc, strings.TrimSpace(rest), err
}
