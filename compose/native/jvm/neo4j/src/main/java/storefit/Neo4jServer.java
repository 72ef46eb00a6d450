package storefit;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.io.ByteUnit;

/**
 * Neo4jServer runs a Neo4j 5 community database management service in this
 * JVM with the Bolt connector listening on one loopback address, for
 * storefit's benchmarks and tests (compose/native/neo4j.sh starts it).
 *
 * <pre>
 * java -cp target/classes:lib/* storefit.Neo4jServer HOME HOST PORT PAGECACHE_MIB
 * </pre>
 *
 * HOME holds the data, transaction logs and logs (debug.log); PAGECACHE_MIB
 * is the page cache size in MiB. Authentication is off unless the
 * environment variable STOREFIT_NEO4J_PASSWORD is set (at least 8
 * characters): then the user neo4j gets that password (read from the
 * environment, so it never shows in ps). When the default database answers,
 * the main prints one line, "storefit-neo4j: ready on HOST:PORT", and then
 * runs until the JVM is told to stop (SIGTERM, SIGINT), when a shutdown hook
 * shuts the databases down cleanly.
 */
public final class Neo4jServer {
    private Neo4jServer() {}

    /**
     * main starts the service and blocks until the JVM stops.
     *
     * @param args HOME HOST PORT PAGECACHE_MIB
     */
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 4) {
            System.err.println("usage: storefit.Neo4jServer HOME HOST PORT PAGECACHE_MIB");
            System.exit(2);
        }
        Path home = Path.of(args[0]);
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        long pagecacheMiB = Long.parseLong(args[3]);
        String password = System.getenv().getOrDefault("STOREFIT_NEO4J_PASSWORD", "");

        DatabaseManagementService dbms = new DatabaseManagementServiceBuilder(home)
                .setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(host, port))
                .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
                .setConfig(GraphDatabaseSettings.auth_enabled, !password.isEmpty())
                // A throw-away benchmark server: keep only the newest
                // transaction log, send no usage data.
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "keep_none")
                .setConfig(GraphDatabaseSettings.udc_enabled, false)
                .setConfig(GraphDatabaseSettings.pagecache_memory, ByteUnit.mebiBytes(pagecacheMiB))
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(dbms::shutdown, "storefit-neo4j-shutdown"));

        if (!password.isEmpty()) {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME).executeTransactionally(
                    "ALTER USER neo4j SET PASSWORD $password CHANGE NOT REQUIRED",
                    Map.of("password", password));
        }
        GraphDatabaseService db = dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
        if (!db.isAvailable(Duration.ofMinutes(2).toMillis())) {
            System.err.println("storefit-neo4j: the default database did not become available");
            System.exit(1);
        }
        System.out.println("storefit-neo4j: ready on " + host + ":" + port);
        System.out.flush();
        new CountDownLatch(1).await();
    }
}
