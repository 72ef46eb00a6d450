package bleve

import (
	"context"

	"github.com/storefit/storefit/drivers"
)

var _ drivers.Sizer = searchStore{}

// Size returns the size of the index's directory (its scorch
// segments and their metadata).
func (s searchStore) Size(context.Context) (int64, string, error) {
	n, err := drivers.DirBytes(s.ix.path)
	return n, "disk: index directory (scorch segments)", err
}
