package drivertest

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/storefit/storefit/drivers"
)

// DSNForms returns DSNs of a server store at host (host:port) that carry
// the password pw in every form users write them: with the scheme and
// without, the password raw (unencoded '%', '@', ':', '/' included) and
// percent-encoded, in the user information and as a query option.
func DSNForms(scheme, user, pw, host string) []string {
	enc := url.UserPassword(user, pw).String()
	return []string{
		scheme + "://" + user + ":" + pw + "@" + host,
		scheme + "://" + user + ":" + pw + "@" + host + "/db?x=1",
		scheme + "://" + enc + "@" + host + "/db",
		scheme + "://:" + pw + "@" + host,
		user + ":" + pw + "@" + host + "/db",
		":" + pw + "@" + host,
		scheme + "://" + host + "?password=" + url.QueryEscape(pw),
		scheme + "://" + host + "?password=" + pw + "&token=" + pw,
	}
}

// printable reports whether s is printable ASCII, which error messages
// show as it is (%q escapes the rest).
func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// FuzzDSN is the body of a driver's DSN fuzz target: for a user, password
// and host:port from the fuzzer, it parses every form of DSNForms with
// parse (the driver's ParseDSN) and fails if an error shows the password,
// or if the error, scrubbed by a drivers.Redactor of the DSN, still does.
// Passwords shorter than 4 characters, found in the rest of the DSN, or
// holding characters %q escapes ('"', '\\', non-printable) are skipped,
// as are those starting with "//" (user://pw@host reads as a URL whose
// scheme is the user name): they cannot be told apart from the text around them.
func FuzzDSN(t *testing.T, scheme, user, pw, host string, parse func(string) error) {
	t.Helper()
	if len(pw) < 4 || strings.ContainsAny(pw, "\x00=\"\\") || !printable(pw) || strings.TrimSpace(pw) != pw ||
		strings.Contains(fmt.Sprintf("%q", host), pw) || strings.HasPrefix(pw, "//") ||
		strings.Contains(user+"@"+host+scheme+"://db?x=1password=token", pw) || strings.Contains("xxxxx", pw) {
		t.Skip()
	}
	for _, dsn := range DSNForms(scheme, user, pw, host) {
		err := parse(dsn)
		if err == nil {
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, pw) {
			t.Errorf("parse %q: the error shows the password %q: %s", dsn, pw, msg)
		}
		if r := drivers.NewRedactor(dsn).Redact(msg); strings.Contains(r, pw) {
			t.Errorf("parse %q: the scrubbed error shows the password %q: %s", dsn, pw, r)
		}
	}
}
