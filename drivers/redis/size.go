package redis

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/storefit/storefit/drivers"
)

var (
	_ drivers.Sizer = (*pointStore)(nil)
	_ drivers.Sizer = (*crudStore)(nil)
	_ drivers.Sizer = (*wideStore)(nil)
)

// Size returns the memory Redis holds for the data (see Conn.usedMemory).
func (p *pointStore) Size(ctx context.Context) (int64, string, error) { return p.c.usedMemory(ctx) }

// Size returns the memory Redis holds for the data (see Conn.usedMemory).
func (s *crudStore) Size(ctx context.Context) (int64, string, error) { return s.c.usedMemory(ctx) }

// Size returns the memory Redis holds for the data (see Conn.usedMemory).
func (w *wideStore) Size(ctx context.Context) (int64, string, error) { return w.c.usedMemory(ctx) }

// usedMemory returns the memory Redis' allocator holds for the data set:
// INFO memory's used_memory. Redis keeps its data in memory; storefit's
// servers persist nothing (no RDB, no AOF). The figure is the server's,
// the database's every key included: the runner records its growth over
// a load, and a cell's store is the only one using the server.
func (c *Conn) usedMemory(ctx context.Context) (int64, string, error) {
	info, err := c.client.Do(ctx, c.client.B().Info().Section("memory").Build()).ToString()
	if err != nil {
		return 0, "", c.wrap("info memory", err)
	}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "used_memory:"); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return 0, "", fmt.Errorf("redis at %s: used_memory %q", c.cfg.Addr, v)
			}
			return n, "memory: used_memory (Redis' allocator)", nil
		}
	}
	return 0, "", fmt.Errorf("redis at %s: no used_memory in INFO", c.cfg.Addr)
}
