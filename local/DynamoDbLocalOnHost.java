// DynamoDB Local has no option to choose its network interface: its Jetty server listens on every
// one. This launcher builds the server exactly as DynamoDB Local's own main does, then sets the
// host of its one connector before starting it, so the unauthenticated database is reachable only
// where the platform means it to be (127.0.0.1 unless `npm start -- --host` says otherwise).
// Usage: java -cp DynamoDBLocal.jar:<this class> DynamoDbLocalOnHost <host> <DynamoDB Local args...>

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import java.lang.reflect.Field;
import java.util.Arrays;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

public class DynamoDbLocalOnHost {
  public static void main(String[] args) throws Exception {
    String host = args[0];
    DynamoDBProxyServer proxy =
        ServerRunner.createServerFromCommandLineArgs(Arrays.copyOfRange(args, 1, args.length));
    // The Jetty server is a private field (checked against DynamoDB Local 1.25.1); if a later
    // version renames it, this fails loudly at start rather than listening everywhere.
    Field field = DynamoDBProxyServer.class.getDeclaredField("server");
    field.setAccessible(true);
    Server server = (Server) field.get(proxy);
    Connector[] connectors = server.getConnectors();
    if (connectors.length == 0) throw new IllegalStateException("DynamoDB Local built no connector");
    for (Connector connector : connectors) ((ServerConnector) connector).setHost(host);
    proxy.start();
  }
}
