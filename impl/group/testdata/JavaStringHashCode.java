// Writes the test vectors of impl/group/coordinator-partition.test.ts: Java's own String.hashCode
// of each string, and the coordinator partition Kafka derives from it.
//
// Regenerate (Java 11 or later runs a single source file directly):
//   java impl/group/testdata/JavaStringHashCode.java > impl/group/testdata/java-string-hashcode.json
//
// `hashCode` below is java.lang.String.hashCode itself, so those numbers are the JVM's output, not
// a transcription. `kafkaAbs` is a copy of Kafka's Utils.abs (clients/src/main/java/org/apache/
// kafka/common/utils/Utils.java): `(n == Integer.MIN_VALUE) ? 0 : Math.abs(n)`; the partition is
// `Utils.abs(groupId.hashCode()) % numPartitions` as in GroupCoordinatorService.partitionFor.
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

public class JavaStringHashCode {
    static final int[] PARTITION_COUNTS = {1, 3, 7, 50, 1000, Integer.MAX_VALUE};

    static int kafkaAbs(int n) {
        return (n == Integer.MIN_VALUE) ? 0 : Math.abs(n);
    }

    static String json(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') out.append(c);
            else out.append(String.format("\\u%04x", (int) c));
        }
        return out.append('"').toString();
    }

    public static void main(String[] args) {
        List<String> named = List.of(
            "",
            "a",
            "group",
            "my-group",
            "test-group",
            "console-consumer-12345",
            "abcdefghijklmnopqrstuvwxyz0123456789",
            "polygenelubricants",
            "GydZG_",
            "DESIGNING WORKHOUSES",
            "gr\u00fc\u00dfe",
            "\u0433\u0440\u0443\u043f\u043f\u0430",
            "\u30b0\u30eb\u30fc\u30d7",
            "\ud83d\ude00",
            "group-\ud83d\ude00-\ud834\udd1e",
            "\ud800",
            "a\udc00b",
            "\u0000",
            "\uffff\uffff\uffff"
        );
        List<String> all = new ArrayList<>(named);
        // Strings of random UTF-16 code units (surrogates included, paired or not), from a
        // seeded java.util.Random, whose sequence the Java specification fixes.
        Random random = new Random(20240613L);
        for (int i = 0; i < 200; i++) {
            int length = random.nextInt(40);
            StringBuilder s = new StringBuilder();
            for (int j = 0; j < length; j++) {
                int kind = random.nextInt(4);
                if (kind == 0) s.append((char) (0x20 + random.nextInt(0x5f)));
                else if (kind == 1) s.append((char) random.nextInt(0x800));
                else if (kind == 2) s.append((char) (0xd800 + random.nextInt(0x800)));
                else s.append((char) random.nextInt(0x10000));
            }
            all.add(s.toString());
        }

        StringBuilder out = new StringBuilder();
        out.append("{\n");
        out.append("  \"generator\": \"impl/group/testdata/JavaStringHashCode.java\",\n");
        out.append("  \"javaVersion\": ").append(json(System.getProperty("java.version"))).append(",\n");
        out.append("  \"partitionCounts\": [");
        for (int i = 0; i < PARTITION_COUNTS.length; i++) out.append(i == 0 ? "" : ", ").append(PARTITION_COUNTS[i]);
        out.append("],\n");
        out.append("  \"vectors\": [\n");
        for (int i = 0; i < all.size(); i++) {
            String s = all.get(i);
            int hash = s.hashCode();
            out.append("    {\"string\": ").append(json(s));
            out.append(", \"hashCode\": ").append(hash);
            out.append(", \"abs\": ").append(kafkaAbs(hash));
            out.append(", \"partitionFor\": [");
            for (int j = 0; j < PARTITION_COUNTS.length; j++) {
                out.append(j == 0 ? "" : ", ").append(kafkaAbs(hash) % PARTITION_COUNTS[j]);
            }
            out.append("]}").append(i + 1 < all.size() ? ",\n" : "\n");
        }
        out.append("  ]\n}\n");
        System.out.print(out);
    }
}
