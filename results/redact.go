package results

import "reflect"

// Redact replaces every string of r — cell errors, error samples,
// validation failures, DSNs, settings, figures' names — by f of it, so that
// a secret cannot reach a result file or a report whichever field a driver's
// message ends up in. Encoded histograms are left alone.
func (r *Result) Redact(f func(string) string) { redactValue(reflect.ValueOf(r), f) }

// Redact replaces every string of c by f of it, as Result.Redact does.
func (c *Cell) Redact(f func(string) string) { redactValue(reflect.ValueOf(c), f) }

// redactValue walks v, replacing strings where they can be set. Struct
// fields tagged redact:"-" are skipped.
func redactValue(v reflect.Value, f func(string) string) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			redactValue(v.Elem(), f)
		}
	case reflect.Interface:
		// What an interface holds cannot be set in place: copy, redact,
		// store back.
		if !v.IsNil() && v.CanSet() {
			e := v.Elem()
			c := reflect.New(e.Type()).Elem()
			c.Set(e)
			redactValue(c, f)
			v.Set(c)
		} else if !v.IsNil() {
			redactValue(v.Elem(), f)
		}
	case reflect.String:
		if v.CanSet() {
			v.SetString(f(v.String()))
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if sf := t.Field(i); sf.IsExported() && sf.Tag.Get("redact") != "-" {
				redactValue(v.Field(i), f)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			redactValue(v.Index(i), f)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := v.MapIndex(k)
			// Map values cannot be set in place: copy, redact, store.
			c := reflect.New(e.Type()).Elem()
			c.Set(e)
			redactValue(c, f)
			v.SetMapIndex(k, c)
		}
	}
}
