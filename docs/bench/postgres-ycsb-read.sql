-- pgbench script: storefit point/c's read, on storefit's own usertable.
-- Key number n uniform in 0 … 99 999 (the quick scale's records); the key is
-- "user" + YCSB's FNV-64 hash of n (pgbench's hash_fnv1a with seed 0, then
-- abs, is exactly YCSB's fnvhash64); all ten fields are read, as storefit
-- reads them (readallfields=true).
\set n random(0, 99999)
\set h abs(hash_fnv1a(:n, 0))
SELECT field0, field1, field2, field3, field4, field5, field6, field7, field8, field9 FROM usertable WHERE ycsb_key = ('user' || :h)::bytea;
