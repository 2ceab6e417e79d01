package dev.mirrorflow.connector.mongo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mirrorflow.connector.mongo.snapshot.IdPartitionPlanner;
import org.junit.jupiter.api.Test;

class MongoIdPartitionSizesTest {

    @Test
    void shouldSplitACollectionSmallerThanParallelismPartitionsIntoOnePartitionPerStream() {
        // The defaults: 250,000 rows per partition, parallelism 4.
        assertThat(IdPartitionPlanner.documentsPerPartition(200_000, 250_000, 4)).isEqualTo(50_000);
        assertThat(IdPartitionPlanner.documentsPerPartition(999_999, 250_000, 4)).isEqualTo(250_000);
        assertThat(IdPartitionPlanner.documentsPerPartition(10_000_000, 250_000, 4)).isEqualTo(250_000);
        assertThat(IdPartitionPlanner.documentsPerPartition(100_001, 250_000, 2)).isEqualTo(50_001);
    }

    @Test
    void shouldNotSplitForParallelismBelowTenThousandDocumentsOrAboveTheSpecsPartitionSize() {
        assertThat(IdPartitionPlanner.documentsPerPartition(25_000, 250_000, 4)).isEqualTo(10_000);
        assertThat(IdPartitionPlanner.documentsPerPartition(5_000, 250_000, 4)).isEqualTo(10_000);
        assertThat(IdPartitionPlanner.documentsPerPartition(0, 250_000, 4)).isEqualTo(10_000);
        // A spec asking for smaller partitions gets them.
        assertThat(IdPartitionPlanner.documentsPerPartition(100_000, 2_500, 4)).isEqualTo(2_500);
        assertThat(IdPartitionPlanner.documentsPerPartition(200_000, 250_000, 1)).isEqualTo(200_000);
    }
}
