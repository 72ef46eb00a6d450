package workloads

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// DecodeOptions decodes opts into dst, a pointer to a workload's typed
// configuration struct whose fields carry yaml tags. Unknown names and values
// of the wrong type are errors that name the option. Values may be given as
// strings ("100000", "true", "10s"), as --set passes them.
func DecodeOptions(opts map[string]any, dst any) error {
	if len(opts) == 0 {
		return nil
	}
	raw, err := yaml.Marshal(opts)
	if err != nil {
		return fmt.Errorf("options: %w", err)
	}
	// Re-parse so quoted strings from --set ("100000") become plain scalars
	// that decode into numbers and bools.
	var node yaml.Node
	if err := yaml.Unmarshal(raw, &node); err != nil {
		return fmt.Errorf("options: %w", err)
	}
	unquote(&node)
	raw, err = yaml.Marshal(&node)
	if err != nil {
		return fmt.Errorf("options: %w", err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(dst); err != nil {
		return fmt.Errorf("options: %w", YAMLError(err))
	}
	return nil
}

var yamlTypeNoise = regexp.MustCompile(` in type [\w.]+$`)

// YAMLError turns a YAML decoding error into one line: the decoder's
// "unmarshal errors:" list is joined with "; ", and Go type names are
// dropped ("field colour not found" rather than "… in type point.Config").
func YAMLError(err error) error {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs := make([]string, len(te.Errors))
		for i, m := range te.Errors {
			m = yamlTypeNoise.ReplaceAllString(strings.TrimSpace(m), "")
			if f, ok := strings.CutSuffix(m, " not found"); ok {
				m = strings.Replace(f, "field ", "unknown field ", 1)
			}
			msgs[i] = strings.ReplaceAll(m, "\n", `\n`)
		}
		return errors.New(strings.Join(msgs, "; "))
	}
	return errors.New(strings.ReplaceAll(strings.TrimPrefix(err.Error(), "yaml: "), "\n", " "))
}

func unquote(n *yaml.Node) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!str" && n.Style != 0 {
		n.Style = 0
		n.Tag = ""
	}
	for _, c := range n.Content {
		unquote(c)
	}
}
