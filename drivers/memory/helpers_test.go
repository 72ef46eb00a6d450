package memory_test

// nopProgress discards load progress.
type nopProgress struct{}

func (nopProgress) Add(int64) {}
