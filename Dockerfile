# The storefit image for sharded load generation on Kubernetes
# (docs/kubernetes.md): a static binary, run as a non-root user.
#
#   docker build -t storefit:$(git describe --tags --always) \
#     --build-arg VERSION=$(git describe --tags --always) --build-arg COMMIT=$(git rev-parse --short HEAD) .
#
# Without cgo, so the binary is static and the runtime image holds nothing
# but it and the CA certificates. That leaves out DuckDB, whose driver links
# the DuckDB library through cgo (drivers/all/duckdb.go builds only with
# cgo): a load-generator pod exists to drive a server store, and an embedded
# store inside each pod would be n separate stores, not one store under n
# times the load. Every server store and the other embedded stores (pure
# Go: sqlite, pebble, bleve, memory, noop) are in.
#
# Base images are pinned to exact versions; pin their digests too
# (FROM image:tag@sha256:…) where the build's registry policy asks for it.

FROM golang:1.26.8-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG COMMIT=
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /out/storefit ./cmd/storefit \
 && /out/storefit list > /dev/null \
 && mkdir -p /out/tmp /out/home \
 && chmod 1777 /out/tmp \
 && chown 65532:65532 /out/home

# scratch: nothing to patch, nothing mutable to pin.
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/tmp /tmp
COPY --from=build /out/home /home/storefit
COPY --from=build /out/storefit /usr/local/bin/storefit
COPY suites /usr/share/storefit/suites
ENV HOME=/home/storefit
WORKDIR /home/storefit
# The same numeric user the Job's securityContext asks for (runAsUser).
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/storefit"]
CMD ["--help"]
