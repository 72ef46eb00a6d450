package redis

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"github.com/storefit/storefit/workloads/twitter"
)

var _ twitter.PageCacheProvider = (*Conn)(nil)

var errShortReply = errors.New("MGET answered other than two values")

// pageCache is the twitter timeline page cache the way Redis users build
// cache-aside with versioned fills: a string key per user's page,
// "page:<prefix>:{<user>}", set with PX when the page expires, and a
// counter per user, "pagever:<prefix>:{<user>}", that every invalidation
// increments in the same script that deletes the page. A miss reads the
// page and the counter in one MGET; a versioned fill is a Lua script that
// sets the page only if the counter still holds the value the miss read,
// so a miss that read the source before a post cannot fill after the
// post's invalidation (a WATCH … MULTI on the counter does the same in
// two more round trips). The braces put both keys of a user in one
// cluster slot. The counter has no expiry: an expired counter would
// start again from 0 and could match a stale fill's version.
type pageCache struct {
	c          *Conn
	page, vers string // key prefixes, up to the user id
}

// PageCache returns the timeline page cache named after prefix.
func (c *Conn) PageCache(prefix string) (twitter.PageCache, error) {
	if err := checkName("page cache", prefix, false); err != nil {
		return nil, err
	}
	return &pageCache{c: c, page: "page:" + prefix + ":{", vers: "pagever:" + prefix + ":{"}, nil
}

func (p *pageCache) keys(user int64) (page, vers string) {
	id := strconv.FormatInt(user, 10)
	return p.page + id + "}", p.vers + id + "}"
}

// Setup deletes every page and version counter.
func (p *pageCache) Setup(ctx context.Context) error {
	if err := p.c.deleteKeys(ctx, p.page+"*"); err != nil {
		return err
	}
	return p.c.deleteKeys(ctx, p.vers+"*")
}

// Page is one MGET of the page and the version counter.
func (p *pageCache) Page(ctx context.Context, user int64, dst []byte) ([]byte, bool, int64, error) {
	pk, vk := p.keys(user)
	vals, err := p.c.client.Do(ctx, p.c.client.B().Mget().Key(pk, vk).Build()).ToArray()
	if err != nil {
		return dst[:0], false, 0, p.c.wrap("read page", err)
	}
	if len(vals) != 2 {
		return dst[:0], false, 0, p.c.wrap("read page", errShortReply)
	}
	var version int64
	if !vals[1].IsNil() {
		s, err := vals[1].ToString()
		if err == nil {
			version, err = strconv.ParseInt(s, 10, 64)
		}
		if err != nil {
			return dst[:0], false, 0, p.c.wrap("read page version", err)
		}
	}
	if vals[0].IsNil() {
		return dst[:0], false, version, nil
	}
	s, err := vals[0].ToString()
	if err != nil {
		return dst[:0], false, 0, p.c.wrap("read page", err)
	}
	return append(dst[:0], s...), true, version, nil
}

// fillScript sets the page (KEYS[1], ARGV[1]; PX ARGV[3] unless it is
// "0") only if the version counter (KEYS[2], absent = 0) is ARGV[2].
var fillScript = rueidis.NewLuaScript(`
local v = redis.call('GET', KEYS[2]) or '0'
if v ~= ARGV[2] then return 0 end
if ARGV[3] ~= '0' then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1`)

// Fill is a SET (PX ttl), or fillScript when versioned.
func (p *pageCache) Fill(ctx context.Context, user int64, page []byte, version int64, versioned bool, ttl time.Duration) (bool, error) {
	pk, vk := p.keys(user)
	if !versioned {
		b := p.c.client.B().Set().Key(pk).Value(rueidis.BinaryString(page))
		var err error
		if ttl > 0 {
			err = p.c.client.Do(ctx, b.PxMilliseconds(ttl.Milliseconds()).Build()).Error()
		} else {
			err = p.c.client.Do(ctx, b.Build()).Error()
		}
		return err == nil, p.c.wrap("fill page", err)
	}
	n, err := fillScript.Exec(ctx, p.c.client, []string{pk, vk},
		[]string{rueidis.BinaryString(page), strconv.FormatInt(version, 10), strconv.FormatInt(ttl.Milliseconds(), 10)}).AsInt64()
	if err != nil {
		return false, p.c.wrap("fill page", err)
	}
	return n == 1, nil
}

// invalidateScript deletes the page (KEYS[1]) and bumps the version
// counter (KEYS[2]) at once.
var invalidateScript = rueidis.NewLuaScript(`
redis.call('DEL', KEYS[1])
redis.call('INCR', KEYS[2])
return 0`)

// Invalidate runs invalidateScript.
func (p *pageCache) Invalidate(ctx context.Context, user int64) error {
	pk, vk := p.keys(user)
	return p.c.wrap("invalidate page", invalidateScript.Exec(ctx, p.c.client, []string{pk, vk}, nil).Error())
}
