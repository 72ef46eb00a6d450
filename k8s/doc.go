// Package k8s builds the Kubernetes manifest of a sharded storefit run: a
// ConfigMap holding the suite and an Indexed Job whose pods each run one
// shard (`storefit run --shard $(JOB_COMPLETION_INDEX)/n`), all starting
// their measured phase at one wall-clock instant (--start-at). It also
// gathers the pods' results back (Collect).
//
// The manifest is built from the official API types (k8s.io/api) and
// serialized with sigs.k8s.io/yaml, never from string templates, so what
// it writes is what the API server decodes.
//
// Using a Job instead of a coordinator of storefit's own: the Job
// controller already starts n pods, gives each its index, retries or fails
// them, and keeps their logs; the only coordination shards need — starting
// together — is a timestamp computed when the manifest is written.
package k8s
