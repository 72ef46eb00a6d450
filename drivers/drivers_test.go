package drivers

import (
	"context"
	"errors"
	"strings"
	"testing"
)

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
