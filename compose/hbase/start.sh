#!/usr/bin/env bash
# Entry point of the storefit/hbase image (compose/hbase/Dockerfile): HBase
# standalone in the background, then, once its ZooKeeper answers, the REST
# gateway in the foreground; the container ends when either JVM does. JVM
# options as compose/native/hbase.sh gives them.
set -euo pipefail
opts=(-XX:+UseG1GC -XX:MaxGCPauseMillis=100 -XX:+ExitOnOutOfMemoryError -Djava.net.preferIPv4Stack=true
	-Dorg.apache.hbase.thirdparty.io.netty.tryReflectionSetAccessible=true
	-Dhbase.log.dir=/var/lib/hbase -Dlog4j2.configurationFile=/opt/hbase/log4j2.xml --add-modules jdk.unsupported)
for m in java.base/java.nio java.base/sun.nio.ch java.base/java.lang java.base/jdk.internal.ref \
	java.base/java.lang.reflect java.base/java.util java.base/java.util.concurrent; do
	opts+=(--add-opens "$m=ALL-UNNAMED")
done
for m in java.base/jdk.internal.misc java.security.jgss/sun.security.krb5 java.base/sun.net.dns java.base/sun.net.util; do
	opts+=(--add-exports "$m=ALL-UNNAMED")
done
java -Xms"${HBASE_HEAP:-1g}" -Xmx"${HBASE_HEAP:-1g}" "${opts[@]}" -Dhbase.log.file=master.log \
	-cp "/opt/hbase/conf:/opt/hbase/lib/server/*" org.apache.hadoop.hbase.master.HMaster start &
master=$!
until (exec 3<>/dev/tcp/127.0.0.1/2181) 2>/dev/null; do
	kill -0 "$master" 2>/dev/null || { tail -n 20 /var/lib/hbase/master.log >&2; exit 1; }
	sleep 1
done
java -Xms"${HBASE_REST_HEAP:-512m}" -Xmx"${HBASE_REST_HEAP:-512m}" "${opts[@]}" -Dhbase.log.file=rest.log \
	-cp "/opt/hbase/conf:/opt/hbase/lib/rest/*" org.apache.hadoop.hbase.rest.RESTServer start &
rest=$!
wait -n "$master" "$rest"
