package drivers

import (
	"context"
	"errors"
	"strings"
	"testing"
)

func TestRedactDSN(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"memory", "memory"},
		{"postgres://bob:s3cret@127.0.0.1:5432/db?sslmode=disable", "postgres://bob:xxxxx@127.0.0.1:5432/db?sslmode=disable"},
		{"postgres://bob@127.0.0.1/db", "postgres://bob@127.0.0.1/db"},
		{"redis://:hunter2@127.0.0.1:6379/0", "redis://:xxxxx@127.0.0.1:6379/0"},
		{"http://h:9200/?password=abc&x=1", "http://h:9200/?password=xxxxx&x=1"},
		{"host=127.0.0.1 user=bob password=s3cret dbname=x", "host=127.0.0.1 user=bob password=xxxxx dbname=x"},
		{"host=h PWD=s3cret", "host=h PWD=xxxxx"},
		{"weird://us%er:pa ss@h%zz", "weird://xxxxx@h%zz"},
	}
	for _, tt := range tests {
		if got := RedactDSN(tt.in); got != tt.want {
			t.Errorf("RedactDSN(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// FuzzRedactDSN checks that a password given in either DSN form never
// survives redaction.
func FuzzRedactDSN(f *testing.F) {
	f.Add("bob", "s3cretpw", "127.0.0.1:5432")
	f.Add("", "hunter22", "h")
	f.Fuzz(func(t *testing.T, user, pw, host string) {
		plain := func(s string) bool {
			return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789.") == ""
		}
		if len(pw) < 6 || !plain(pw) || !plain(user) || !plain(host) ||
			strings.Contains(host, pw) || strings.Contains(user, pw) || strings.Contains("postgres://xxxxx/db", pw) {
			t.Skip()
		}
		for _, dsn := range []string{
			"postgres://" + user + ":" + pw + "@" + host + "/db",
			"host=" + host + " user=" + user + " password=" + pw,
		} {
			if got := RedactDSN(dsn); strings.Contains(got, pw) {
				t.Errorf("RedactDSN(%q) = %q keeps the password", dsn, got)
			}
		}
	})
}

type fakeDriver struct{ err error }

func (d fakeDriver) Open(context.Context, string) (Conn, error) { return nil, d.err }

func TestRegistry(t *testing.T) {
	Register("test-a", fakeDriver{})
	Register("test-b", fakeDriver{errors.New("refused")})
	names := strings.Join(Names(), ",")
	if !strings.Contains(names, "test-a,test-b") {
		t.Errorf("Names() = %s", names)
	}
	_, err := Open(context.Background(), "nope", "")
	if err == nil || !strings.Contains(err.Error(), `unknown store "nope"`) || !strings.Contains(err.Error(), "test-a") {
		t.Errorf("unknown store error: %v", err)
	}
	_, err = Open(context.Background(), "test-b", "x://u:pw123456@h")
	if err == nil || strings.Contains(err.Error(), "pw123456") || !strings.Contains(err.Error(), "test-b") {
		t.Errorf("open error does not name the store or leaks the password: %v", err)
	}
	for _, bad := range []func(){
		func() { Register("", fakeDriver{}) },
		func() { Register("test-c", nil) },
		func() { Register("test-a", fakeDriver{}) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("Register did not panic on bad input")
				}
			}()
			bad()
		}()
	}
}
