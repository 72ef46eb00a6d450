package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/storefit/storefit/results"
	"github.com/storefit/storefit/workloads"
)

// PlanID returns the identity of a plan: a hash of what determines its data,
// operation streams and settings — every cell's workload with its effective
// settings, store name (not the DSN, which differs between machines and
// holds secrets), seed, scale and runner settings, and the repeat count.
// The shard index and count are not part of it: all shards of a plan share
// the ID, which is how merge recognizes them.
func PlanID(p Plan) string {
	type cellID struct {
		Workload string         `json:"w"`
		Store    string         `json:"s"`
		Seed     uint64         `json:"seed"`
		Scale    string         `json:"scale"`
		Settings map[string]any `json:"set"`
		Workers  int            `json:"workers"`
		Loaders  int            `json:"loaders"`
		Rate     float64        `json:"rate"`
		Duration int64          `json:"duration"`
		Ops      int64          `json:"ops"`
		Warmup   int64          `json:"warmup"`
		Timeout  int64          `json:"timeout"`
		FindMax  bool           `json:"find_max,omitempty"`
		SLO      string         `json:"slo,omitempty"`
		// Added later: omitted when unset, so older plans keep their ID.
		WorkersRule string `json:"workers_rule,omitempty"`
		WorkersMax  int    `json:"workers_max,omitempty"`
		WarmupMode  string `json:"warmup_mode,omitempty"`
		WarmupMax   int64  `json:"warmup_max,omitempty"`
		MaxStep     int64  `json:"max_step,omitempty"`
	}
	var doc struct {
		Repeat int      `json:"repeat"`
		Cells  []cellID `json:"cells"`
	}
	doc.Repeat = max(p.Repeat, 1)
	for _, c := range p.Cells {
		id := cellID{
			Workload: c.Workload, Store: c.Store, Seed: c.Params.Seed, Scale: string(c.Params.Scale),
			Workers: c.Config.Workers, Loaders: c.Config.Loaders, Rate: c.Config.Rate,
			Duration: int64(c.Config.Duration), Ops: c.Config.Ops, Warmup: int64(c.Config.Warmup),
			Timeout: int64(c.Config.Timeout), FindMax: c.Config.FindMax, SLO: c.Config.SLO.String(),
			WorkersRule: c.Config.WorkersRule, WarmupMode: c.Config.WarmupMode, MaxStep: int64(c.Config.MaxStep),
		}
		if c.Config.WorkersRule == results.WorkersAuto {
			id.WorkersMax = c.Config.WorkersMax
		}
		if c.Config.WarmupMode == results.WarmupAuto || c.Config.WarmupMode == WarmupByStore {
			id.WarmupMax = int64(c.Config.WarmupMax)
		}
		// The effective settings, so "records: 1000" from a suite and
		// "--set records=1000" from the command line hash alike.
		if wl, err := workloads.New(c.Workload, c.Params); err == nil {
			id.Settings = wl.Settings()
		} else {
			id.Settings = c.Params.Options
		}
		doc.Cells = append(doc.Cells, id)
	}
	// encoding/json writes map keys sorted, so the encoding is canonical.
	b, err := json.Marshal(doc)
	if err != nil {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:8])
}
