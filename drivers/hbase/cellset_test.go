package hbase

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// TestCellSetRoundTrip writes rows as the driver sends them and reads them
// back as the gateway's answers are read, including the table scan's
// stream of length-prefixed chunks.
func TestCellSetRoundTrip(t *testing.T) {
	big := make([]byte, 300) // a length that takes two varint bytes
	var msg []byte
	msg = appendRow(msg, []byte("user1"), []cell{{family: familyF, qualifier: []byte("0"), value: []byte("a")}, {family: familyF, qualifier: markerQual, value: markerValue}})
	msg = appendRow(msg, []byte("user2"), []cell{{family: familyF, qualifier: []byte("9"), value: big}, {family: familyF, qualifier: []byte("x"), value: []byte{}}})
	var got []string
	collect := func(row, q, v []byte) error {
		got = append(got, fmt.Sprintf("%s/%s=%d", row, q, len(v)))
		return nil
	}
	if err := eachCell(msg, collect); err != nil {
		t.Fatal(err)
	}
	want := "[user1/0=1 user1/_=1 user2/9=300 user2/x=0]"
	if fmt.Sprint(got) != want {
		t.Errorf("cells %v, want %s", got, want)
	}
	got = nil
	stream := binary.BigEndian.AppendUint16(nil, uint16(len(msg)))
	stream = append(stream, msg...)
	stream = append(stream, 0, 0) // an empty chunk
	if err := eachStreamedCell(stream, collect); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(got) != want {
		t.Errorf("streamed cells %v, want %s", got, want)
	}
	if err := eachStreamedCell(stream[:5], collect); !errors.Is(err, errMalformed) {
		t.Errorf("truncated stream: %v, want errMalformed", err)
	}
}

// TestFamilyDeleteCell checks a cell without qualifier: its column is the
// family alone (a family delete in a check-and-delete).
func TestFamilyDeleteCell(t *testing.T) {
	msg := appendRow(nil, []byte("k"), []cell{{family: familyF}})
	row, _ := protowire.ConsumeBytes(msg[1:])
	// key field, then one Cell holding only the column "f".
	want := []byte{0x0a, 1, 'k', 0x12, 3, 0x12, 1, 'f'}
	if string(row) != string(want) {
		t.Errorf("row % x, want % x", row, want)
	}
}
