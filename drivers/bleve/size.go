package bleve

import (
	"context"

	"github.com/storefit/storefit/drivers"
)

var _ drivers.StorageSizer = searchStore{}

// StorageBytes returns the size of the index's directory (its scorch
// segments and their metadata).
func (s searchStore) StorageBytes(context.Context) (int64, error) {
	return drivers.DirBytes(s.ix.path)
}
