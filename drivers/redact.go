package drivers

import (
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// redacted replaces a secret in redacted DSNs and scrubbed text.
const redacted = "xxxxx"

// RedactDSN returns dsn with every password and token replaced by "xxxxx",
// for logs, reports and result files. It finds them in every form a driver
// accepts, whether or not the DSN has a scheme:
//
//   - the password of a URL's user information (scheme://user:pw@host), or
//     of the same without a scheme (user:pw@host/db, :pw@host:6379), also
//     when the password holds unencoded '@', ':', '/' or '%';
//   - the value of a secret option (password, pwd, token, secret, p, …) in
//     a URL query (?password=…) or a keyword/value DSN (password=… or
//     password='quoted value').
//
// Where a DSN is ambiguous it redacts more than the password, never less.
func RedactDSN(dsn string) string {
	spans := secretSpans(dsn)
	if len(spans) == 0 {
		return dsn
	}
	var b strings.Builder
	last := 0
	for _, s := range spans {
		b.WriteString(dsn[last:s.start])
		b.WriteString(redacted)
		last = s.end
	}
	b.WriteString(dsn[last:])
	return b.String()
}

// Redactor removes secrets from text: the passwords and tokens of the DSNs
// it was given, in every form they may take in a message (as written,
// percent-decoded or encoded, quoted by %q, and the tail a URL parser
// quotes from an invalid percent escape). Use it on anything printed or
// written that a driver or server produced: errors, error samples,
// validation failures. A nil Redactor returns text unchanged. Its methods
// are safe for concurrent use once it is built.
type Redactor struct {
	// long are replaced wherever they occur; short (under minAnywhere
	// characters) only where they stand as a whole word, so a two-letter
	// password does not blank every word that contains its letters.
	long, short []string
}

// minAnywhere is the length from which a secret is replaced wherever it
// occurs in text.
const minAnywhere = 4

// NewRedactor returns a Redactor of the secrets in dsns.
func NewRedactor(dsns ...string) *Redactor {
	r := &Redactor{}
	for _, d := range dsns {
		r.Add(d)
	}
	return r
}

// Add adds the secrets of dsn. A password that its DSN shows anyway — as
// the user or database name, a whole word of the redacted DSN, such as
// the default storefit:storefit@…/storefit — is no secret, and is left in
// text rather than blanking every word that matches it.
func (r *Redactor) Add(dsn string) {
	shown := RedactDSN(dsn)
	for _, s := range Secrets(dsn) {
		if replaceWord(shown, s) != shown {
			continue
		}
		r.addSecret(s)
	}
	r.sort()
}

func (r *Redactor) addSecret(s string) {
	switch {
	case len(s) >= minAnywhere || strings.HasPrefix(s, "%"):
		if !slices.Contains(r.long, s) {
			r.long = append(r.long, s)
		}
	case !slices.Contains(r.short, s):
		r.short = append(r.short, s)
	}
}

// sort puts the longest secrets first, so a secret is replaced whole
// before any part of it.
func (r *Redactor) sort() {
	byLen := func(a, b string) int { return len(b) - len(a) }
	slices.SortFunc(r.long, byLen)
	slices.SortFunc(r.short, byLen)
}

// Redact returns s with every known secret replaced by "xxxxx".
func (r *Redactor) Redact(s string) string {
	if r == nil || s == "" {
		return s
	}
	for _, w := range r.long {
		if strings.Contains(s, w) {
			s = strings.ReplaceAll(s, w, redacted)
		}
	}
	for _, w := range r.short {
		s = replaceWord(s, w)
	}
	return s
}

// Empty reports whether r knows no secret.
func (r *Redactor) Empty() bool { return r == nil || len(r.long)+len(r.short) == 0 }

// replaceWord replaces the occurrences of w in s that no letter or digit
// touches.
func replaceWord(s, w string) string {
	var b strings.Builder
	for {
		i := strings.Index(s, w)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		j := i + len(w)
		if wordEdge(s, i, -1) && wordEdge(s, j, 1) {
			b.WriteString(s[:i])
			b.WriteString(redacted)
		} else {
			b.WriteString(s[:j])
		}
		s = s[j:]
	}
}

// wordEdge reports whether position i of s borders no letter or digit on
// the side dir (-1: before i, 1: at i).
func wordEdge(s string, i, dir int) bool {
	if dir < 0 {
		if i == 0 {
			return true
		}
		c := rune(s[i-1])
		return !unicode.IsLetter(c) && !unicode.IsDigit(c)
	}
	if i >= len(s) {
		return true
	}
	c := rune(s[i])
	return !unicode.IsLetter(c) && !unicode.IsDigit(c)
}

// Secrets returns the secrets dsn holds — the passwords and tokens
// RedactDSN blanks — each in the forms it may take in a message.
func Secrets(dsn string) []string {
	var out []string
	add := func(s string) {
		if s != "" && s != redacted && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, sp := range rawSpans(dsn) {
		raw := dsn[sp.start:sp.end]
		forms := []string{raw}
		if u, ok := unquoteKV(raw); ok {
			forms = append(forms, u)
		}
		if d, err := url.PathUnescape(raw); err == nil {
			forms = append(forms, d)
		}
		if d, err := url.QueryUnescape(raw); err == nil {
			forms = append(forms, d)
		}
		for _, f := range forms {
			add(f)
			add(url.QueryEscape(f))
			add(url.PathEscape(f))
			add(strings.TrimPrefix(url.UserPassword("", f).String(), ":"))
			q := strconv.Quote(f)
			add(q[1 : len(q)-1])
		}
		// A URL parser that meets an invalid escape ("%zz") quotes it, or
		// the rest of the input from it.
		for i := 0; i < len(raw); i++ {
			if raw[i] == '%' && len(raw)-i >= 3 {
				add(raw[i : i+3])
				add(raw[i:])
			}
		}
	}
	return out
}

// span is dsn[start:end].
type span struct{ start, end int }

// schemePrefix matches "scheme://".
var schemePrefix = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.\-]*://`)

// secretSpans returns where the secrets of dsn lie, sorted and merged
// where they overlap.
func secretSpans(dsn string) []span {
	spans := rawSpans(dsn)
	slices.SortFunc(spans, func(a, b span) int { return a.start - b.start })
	var out []span
	for _, s := range spans {
		if n := len(out); n > 0 && s.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, s.end)
			continue
		}
		out = append(out, s)
	}
	return out
}

// rawSpans returns where each kind of secret of dsn lies; the spans may
// overlap where the DSN is ambiguous.
func rawSpans(dsn string) []span {
	var spans []span
	spans = append(spans, userinfoPasswords(dsn)...)
	spans = append(spans, queryValues(dsn)...)
	if isKeywordValue(dsn) {
		spans = append(spans, keywordValues(dsn)...)
	}
	return spans
}

// userinfoPasswords finds the password of "[scheme://]user:password@host…".
// By URL rules the user information ends at the last '@' of the authority
// (which ends at the first '/', '?' or '#'); a password with an unencoded
// '/', '?' or '#' moves that boundary, so the span up to the last '@' of
// the whole DSN is returned too. Redaction then blanks both: more than the
// password where an '@' appears later in the DSN, never less.
func userinfoPasswords(dsn string) []span {
	start := 0
	scheme := false
	if m := schemePrefix.FindStringIndex(dsn); m != nil {
		start, scheme = m[1], true
	}
	rest := dsn[start:]
	auth := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		auth = rest[:i]
	}
	var spans []span
	for _, at := range []int{strings.LastIndexByte(auth, '@'), strings.LastIndexByte(rest, '@')} {
		if at < 0 {
			continue
		}
		colon := strings.IndexByte(rest[:at], ':')
		if colon < 0 || colon+1 >= at {
			continue // a user without a password
		}
		// Without a scheme, "user" must look like one: keyword/value
		// DSNs and file paths are handled elsewhere.
		if !scheme && strings.ContainsAny(rest[:colon], " \t\r\n=/\\'") {
			continue
		}
		spans = append(spans, span{start + colon + 1, start + at})
	}
	return spans
}

// isKeywordValue reports whether dsn is read as keyword/value pairs rather
// than as a URL: it has no scheme, and its first '=' comes before any '?'.
func isKeywordValue(dsn string) bool {
	if schemePrefix.MatchString(dsn) {
		return false
	}
	eq := strings.IndexByte(dsn, '=')
	q := strings.IndexByte(dsn, '?')
	return eq >= 0 && (q < 0 || eq < q)
}

// queryValues finds the values of secret options in the query of a URL:
// "?…&password=…&…". Options are separated by '&' (and, to be safe, by a
// further '?'); a secret value runs on over following pieces that are not
// options (key=value), so an unencoded '&', '?' or '#' in a password does
// not leave its tail showing.
func queryValues(dsn string) []span {
	q := strings.IndexByte(dsn, '?')
	if q < 0 {
		return nil
	}
	// pieces of the query, as [start, end) in dsn
	var pieces []span
	for i := q + 1; ; {
		end := strings.IndexAny(dsn[i:], "&?")
		if end < 0 {
			pieces = append(pieces, span{i, len(dsn)})
			break
		}
		pieces = append(pieces, span{i, i + end})
		i += end + 1
	}
	var spans []span
	for i := 0; i < len(pieces); i++ {
		p := dsn[pieces[i].start:pieces[i].end]
		k, _, ok := strings.Cut(p, "=")
		if !ok {
			continue
		}
		key, err := url.QueryUnescape(k)
		if err != nil {
			key = k
		}
		if !isSecretKey(strings.TrimSpace(key)) {
			continue
		}
		sp := span{pieces[i].start + len(k) + 1, pieces[i].end}
		for i+1 < len(pieces) && !strings.Contains(dsn[pieces[i+1].start:pieces[i+1].end], "=") {
			i++
			sp.end = pieces[i].end
		}
		spans = append(spans, sp)
	}
	return spans
}

// keywordValues finds the values of secret keywords in a keyword/value
// DSN as libpq reads it: "key=value", "key = 'quoted \' value'", separated
// by whitespace. An unquoted secret value runs on over following words
// that hold no '=' (password=two words host=h), which libpq would reject,
// so that a mistyped DSN does not show half a password.
func keywordValues(dsn string) []span {
	var spans []span
	for i := 0; i < len(dsn); {
		eq := strings.IndexByte(dsn[i:], '=')
		if eq < 0 {
			break
		}
		eq += i
		// The keyword is the word just before '=' (spaces allowed between).
		kEnd := eq
		for kEnd > i && isSpace(dsn[kEnd-1]) {
			kEnd--
		}
		kStart := kEnd
		for kStart > i && !isSpace(dsn[kStart-1]) && !strings.ContainsRune("&?;", rune(dsn[kStart-1])) {
			kStart--
		}
		v := eq + 1
		for v < len(dsn) && isSpace(dsn[v]) {
			v++
		}
		if !isSecretKey(dsn[kStart:kEnd]) {
			// Look at every '=': libpq reads "user= password=x" as the
			// user "password=x", which must not show either.
			i = eq + 1
			continue
		}
		end := valueEnd(dsn, v)
		if v < len(dsn) && dsn[v] != '\'' {
			end = extendValue(dsn, end)
		}
		if end > v {
			spans = append(spans, span{v, end})
		}
		i = max(end, eq+1)
	}
	return spans
}

// valueEnd returns the end of the keyword/value value starting at v: a
// quoted one ends after its closing quote, an unquoted one at whitespace;
// a backslash escapes the next character in both.
func valueEnd(s string, v int) int {
	if v >= len(s) {
		return v
	}
	if s[v] == '\'' {
		for j := v + 1; j < len(s); j++ {
			switch s[j] {
			case '\\':
				j++
			case '\'':
				return j + 1
			}
		}
		return len(s)
	}
	j := v
	for ; j < len(s) && !isSpace(s[j]); j++ {
		if s[j] == '\\' {
			j++
		}
	}
	return min(j, len(s))
}

// extendValue extends an unquoted value ending at end over the following
// words that hold no '='.
func extendValue(s string, end int) int {
	for {
		j := end
		for j < len(s) && isSpace(s[j]) {
			j++
		}
		if j >= len(s) {
			return end
		}
		w := valueEnd(s, j)
		if strings.ContainsRune(s[j:w], '=') {
			return end
		}
		end = w
	}
}

// unquoteKV returns the value of a quoted keyword/value value.
func unquoteKV(s string) (string, bool) {
	if len(s) < 2 || s[0] != '\'' || s[len(s)-1] != '\'' {
		return "", false
	}
	var b strings.Builder
	in := s[1 : len(s)-1]
	for i := 0; i < len(in); i++ {
		if in[i] == '\\' && i+1 < len(in) {
			i++
		}
		b.WriteByte(in[i])
	}
	return b.String(), true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// isSecretKey reports whether an option of that name holds a secret: a
// password, token, key or credential (InfluxDB 1.x calls its password p).
func isSecretKey(k string) bool {
	k = strings.ToLower(k)
	if k == "p" {
		return true
	}
	for _, w := range []string{"pass", "pwd", "secret", "token", "apikey", "api_key", "api-key", "credential", "auth"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// Merge adds the secrets o knows.
func (r *Redactor) Merge(o *Redactor) {
	if o == nil {
		return
	}
	for _, group := range [][]string{o.long, o.short} {
		for _, s := range group {
			r.addSecret(s)
		}
	}
	r.sort()
}
