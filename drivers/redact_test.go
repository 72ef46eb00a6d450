package drivers

import (
	"net/url"
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"memory", "memory"},
		{"/tmp/data/point.db", "/tmp/data/point.db"},
		{"postgres://bob:s3cret@127.0.0.1:5432/db?sslmode=disable", "postgres://bob:xxxxx@127.0.0.1:5432/db?sslmode=disable"},
		{"postgres://bob@127.0.0.1/db", "postgres://bob@127.0.0.1/db"},
		{"redis://:hunter2@127.0.0.1:6379/0", "redis://:xxxxx@127.0.0.1:6379/0"},
		{"http://h:9200/?password=abc&x=1", "http://h:9200/?password=xxxxx&x=1"},
		{"http://127.0.0.1:8086?db=storefit&u=bob&p=s3cret", "http://127.0.0.1:8086?db=storefit&u=bob&p=xxxxx"},
		{"http://127.0.0.1:8086?org=o&bucket=b&token=abc%3D%3D", "http://127.0.0.1:8086?org=o&bucket=b&token=xxxxx"},
		{"host=127.0.0.1 user=bob password=s3cret dbname=x", "host=127.0.0.1 user=bob password=xxxxx dbname=x"},
		{"host=h PWD=s3cret", "host=h PWD=xxxxx"},
		// Issue 17: DSNs without a scheme.
		{":s3cr3t@127.0.0.1:6389", ":xxxxx@127.0.0.1:6389"},
		{"storefit:s3cr3t@host/db", "storefit:xxxxx@host/db"},
		{"storefit@host/db", "storefit@host/db"},
		// Passwords with unencoded '@', ':', '/', '%', '#'.
		{"postgres://u:p@ss@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u:a:b:c@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u:pa/ss@h:5432/db", "postgres://u:xxxxx@h:5432/db"},
		{"postgres://u:s3%cr3t@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres://u:a#b@h/db", "postgres://u:xxxxx@h/db"},
		{"u:pa/ss@h/db", "u:xxxxx@h/db"},
		{"weird://us%er:pa ss@h%zz", "weird://us%er:xxxxx@h%zz"},
		// Keyword/value values as libpq reads them.
		{"host=h password='two words' user=u", "host=h password=xxxxx user=u"},
		{`host=h password='it\'s' user=u`, "host=h password=xxxxx user=u"},
		{"host=h password = spaced user=u", "host=h password = xxxxx user=u"},
		{"host=h password=two words user=u", "host=h password=xxxxx user=u"},
		{`host=h password=a\ b user=u`, "host=h password=xxxxx user=u"},
		{"host=h sslpassword=k password=p@ss:w/rd", "host=h sslpassword=xxxxx password=xxxxx"},
	}
	for _, tt := range tests {
		if got := RedactDSN(tt.in); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRedactor(t *testing.T) {
	r := NewRedactor("postgres://u:s3%zzcr3t@h/db", ":hunter22@h:6379", "", "memory", "host=h password='two words'")
	tests := []struct{ in, want string }{
		{`parse "postgres://u:s3%zzcr3t@h/db": invalid URL escape "%zz"`, `parse "postgres://u:xxxxx@h/db": invalid URL escape "xxxxx"`},
		{"tail: %zzcr3t", "tail: xxxxx"},
		{"auth failed for :hunter22@h", "auth failed for :xxxxx@h"},
		{"pw two words and two%20words and two+words", "pw xxxxx and xxxxx and xxxxx"},
		{"nothing secret here", "nothing secret here"},
	}
	for _, tt := range tests {
		if got := r.Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// A short password is replaced only as a whole word.
	s := NewRedactor("redis://:ab@h")
	if got := s.Redact("cabin ab, 'ab'"); got != "cabin xxxxx, 'xxxxx'" {
		t.Errorf("short password: %q", got)
	}
	// A password the DSN shows anyway (the user's or database's name) is
	// no secret: text is left alone.
	d := NewRedactor("postgres://storefit:storefit@127.0.0.1:5432/storefit?sslmode=disable")
	if got := d.Redact("storefit native: table storefit_usertable"); got != "storefit native: table storefit_usertable" || !d.Empty() {
		t.Errorf("default password: %q", got)
	}
	if e := NewRedactor("postgres://u:able@h/db?sslmode=disable"); e.Redact("pw able") != "pw xxxxx" {
		t.Error("a password inside a word of the DSN is still a secret")
	}
	var nilR *Redactor
	if nilR.Redact("x") != "x" || !nilR.Empty() || r.Empty() {
		t.Error("nil or empty Redactor")
	}
}

// dsnForms returns the DSN forms a password can be given in: with and
// without a scheme, raw and percent-encoded, and as a keyword/value
// option, quoted and not.
func dsnForms(user, pw, host string) []string {
	enc := url.UserPassword(user, pw).String()
	quoted := "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(pw) + "'"
	forms := []string{
		"postgres://" + user + ":" + pw + "@" + host + "/db",
		"postgres://" + enc + "@" + host + "/db?sslmode=disable",
		"redis://:" + pw + "@" + host + ":6379/0",
		user + ":" + pw + "@" + host + "/db",
		":" + pw + "@" + host + ":6379",
		"http://" + host + ":8086?db=x&p=" + url.QueryEscape(pw),
		"http://" + host + ":8086?token=" + pw,
		"host=" + host + " user=" + user + " password=" + quoted + " dbname=db",
	}
	if !strings.ContainsAny(pw, " \t\n\r\v\f'\\") {
		forms = append(forms, "host="+host+" password="+pw+" user="+user)
	}
	return forms
}

// FuzzRedactDSN checks that a password, given in any DSN form a driver
// accepts — with or without a scheme, holding '%', '@', ':', '/' — never
// survives redaction, and that a Redactor made from the DSN scrubs it from
// any text that quotes it.
func FuzzRedactDSN(f *testing.F) {
	f.Add("bob", "s3cretpw", "127.0.0.1")
	f.Add("", "hunter22", "h")
	f.Add("storefit", "s3%cr3t", "db.example")
	f.Add("u", "p@ss:w/rd", "h")
	f.Add("u", "100%/@:x", "h")
	f.Add("u", "it's a pw", "h")
	f.Fuzz(func(t *testing.T, user, pw, host string) {
		hostOK := func(s string) bool {
			return s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789.-") == ""
		}
		userOK := func(s string) bool { return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789._-") == "" }
		if len(pw) < minAnywhere || !userOK(user) || !hostOK(host) || strings.ContainsAny(pw, "\x00") ||
			strings.TrimSpace(pw) != pw || strings.Contains(pw, "=") ||
			strings.Contains(host, pw) || strings.Contains(user, pw) || strings.Contains(redacted+"@"+host+":", pw) {
			t.Skip()
		}
		for _, dsn := range dsnForms(user, pw, host) {
			if !strings.Contains(dsn, pw) && !strings.Contains(dsn, url.QueryEscape(pw)) {
				continue
			}
			got := RedactDSN(dsn)
			if strings.Contains(got, pw) {
				t.Errorf("RedactDSN(%q) = %q keeps the password %q", dsn, got, pw)
			}
			r := NewRedactor(dsn)
			msg := "connect " + dsn + ": auth failed for password " + pw + " (" + url.QueryEscape(pw) + ")"
			if got := r.Redact(msg); strings.Contains(got, pw) {
				t.Errorf("Redact(%q) = %q keeps the password %q", msg, got, pw)
			}
		}
	})
}
