// Package compose holds the definitions of the server stores storefit
// benchmarks: docker-compose.yml (with .env.example) for users with Docker,
// and native/, the scripts that install and start the same servers from
// packages on machines without Docker. It has no Go code; its test checks
// docker-compose.yml against the drivers storefit ships.
package compose
