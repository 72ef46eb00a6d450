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
		return optionError(err, &node)
	}
	return nil
}

var (
	// yamlLine is the "line N: " a decoding error starts with.
	yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`)
	// yamlBadValue is the decoder's complaint about a value of the wrong
	// type.
	yamlBadValue = regexp.MustCompile("^cannot unmarshal !!\\w+ `(.*)` into (.+)$")
)

// optionError turns an error decoding options into one line that names the
// option at fault: the line numbers the decoder gives refer to the options
// re-encoded one per line (doc), which users never see.
func optionError(err error, doc *yaml.Node) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("options: %w", YAMLError(err))
	}
	var keys []*yaml.Node // the option names, with their lines in doc
	if len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		m := doc.Content[0].Content
		for i := 0; i+1 < len(m); i += 2 {
			keys = append(keys, m[i])
		}
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, m := range te.Errors {
		m = yamlTypeNoise.ReplaceAllString(strings.TrimSpace(m), "")
		name := ""
		if g := yamlLine.FindStringSubmatch(m); g != nil {
			m = g[2]
			line := 0
			fmt.Sscan(g[1], &line)
			for _, k := range keys {
				if k.Line <= line {
					name = k.Value
				}
			}
		}
		switch g := yamlBadValue.FindStringSubmatch(m); {
		case strings.HasPrefix(m, "field ") && strings.HasSuffix(m, " not found"):
			m = "unknown field " + strings.TrimSuffix(strings.TrimPrefix(m, "field "), " not found")
		case g != nil && name != "":
			m = fmt.Sprintf("option %s: %q is not %s", name, g[1], goTypeWords(g[2]))
		case name != "":
			m = "option " + name + ": " + m
		}
		msgs = append(msgs, strings.ReplaceAll(m, "\n", `\n`))
	}
	return errors.New(strings.Join(msgs, "; "))
}

// goTypeWords names the values a Go type accepts, for errors.
func goTypeWords(t string) string {
	switch {
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "a whole number"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "bool":
		return "true or false"
	case t == "time.Duration":
		return "a duration (e.g. 10s)"
	}
	return "a valid " + t
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
