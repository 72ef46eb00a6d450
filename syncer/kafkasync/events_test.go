package kafkasync

import (
	"testing"

	"github.com/storefit/storefit/syncer/synctest"
)

// Events round-trip through the log's encoding, images intact.
func TestEventsRoundTrip(t *testing.T) {
	in := append(synctest.Stream(), synctest.Rows()...)
	b, err := encodeEvents(in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := decodeEvents(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != len(in) {
		t.Fatalf("%d events back, %d in", len(out), len(in))
	}
	for i := range in {
		if in[i].Digest() != out[i].Digest() {
			t.Errorf("event %d: %s, want %s", i, out[i].Digest(), in[i].Digest())
		}
	}
	if _, err := decodeEvents([]byte(`[{"e": 9}]`)); err == nil {
		t.Error("an unknown entity decoded")
	}
}
