import { assertNever } from '../../impl/common/assert.ts';
import type { KafkaError } from '../../impl/protocol/errors.ts';
import type { KafkaMessage } from '../../impl/protocol/messages.ts';
import type { RaftMessage } from '../../impl/raft/raft-messages.ts';

/**
 * One line per Kafka message for the trace (`--trace`): the partitions it is about and the few
 * fields a person follows a run by (acks and record counts of a produce, offsets and high
 * watermarks of a fetch, epochs and ISRs of the controller's answers), as `ProduceRequest t-0
 * acks=-1 3 records` reads. Built only while a trace is written; never part of the digest.
 */
export function summarizeKafkaMessage(message: KafkaMessage): string {
  switch (message.type) {
    case 'BrokerRegistrationRequest':
      return `broker ${message.brokerId}${message.previousBrokerEpoch >= 0 ? ` previous broker epoch ${message.previousBrokerEpoch} (clean shutdown)` : ''}`;
    case 'BrokerRegistrationResponse':
      return `${error(message.error)}broker epoch ${message.brokerEpoch}`;
    case 'BrokerHeartbeatRequest':
      return `broker ${message.brokerId} epoch ${message.brokerEpoch} metadata offset ${message.currentMetadataOffset}${message.wantFence ? ' wants fence' : ''}${message.wantShutDown ? ' wants shutdown' : ''}`;
    case 'BrokerHeartbeatResponse':
      return `${error(message.error)}${message.isFenced ? 'fenced' : 'unfenced'}${message.isCaughtUp ? ' caught up' : ''}${message.shouldShutDown ? ' should shut down' : ''}`;
    case 'FetchMetadataRequest':
      return `broker ${message.brokerId} from metadata offset ${message.fetchOffset}`;
    case 'FetchMetadataResponse':
      return `${error(message.error)}${message.entries.length} records, metadata high watermark ${message.highWatermark}`;
    case 'AlterPartitionRequest':
      return `partition ${message.partitionId} leader ${message.brokerId} leader epoch ${message.leaderEpoch} partition epoch ${message.partitionEpoch} new ISR ${message.newIsrWithEpochs.map((member) => member.brokerId).join(',')}`;
    case 'AlterPartitionResponse':
      return `${error(message.error)}partition ${message.partitionId} leader ${message.leaderId} leader epoch ${message.leaderEpoch} ISR ${message.isr.join(',')} partition epoch ${message.partitionEpoch}`;
    case 'CreateTopicsRequest':
      return message.topics.map((topic) => `${topic.name} ${topic.numPartitions} partitions rf ${topic.replicationFactor}`).join('; ');
    case 'CreateTopicsResponse':
      return message.topics.map((topic) => `${topic.name} ${topic.error}`).join('; ');
    case 'AllocateProducerIdsRequest':
      return `broker ${message.brokerId}`;
    case 'AllocateProducerIdsResponse':
      return `${error(message.error)}ids ${message.producerIdStart}+${message.producerIdLen}`;
    case 'MetadataRequest':
      return message.topics === undefined ? 'all topics' : message.topics.join(',');
    case 'MetadataResponse':
      return message.topics.map((topic) => topic.partitions.map((partition) => `${topic.name}-${partition.partition} leader ${partition.leader} epoch ${partition.leaderEpoch} ISR ${partition.isr.join(',')}`).join('; ')).join('; ');
    case 'ProduceRequest':
      return message.partitions.map((partition) => `${partition.topic}-${partition.partition} acks=${message.acks} ${plural(batchRecords(partition.records), 'record')}`).join('; ');
    case 'ProduceResponse':
      return message.responses.map((response) => `${response.topic}-${response.partition} ${response.error === 'NONE' ? `base offset ${response.baseOffset}` : response.error}`).join('; ');
    case 'FetchRequest': {
      const who = message.replicaId >= 0 ? `follower ${message.replicaId}` : 'consumer';
      return `${who} ${message.partitions.map((partition) => `${partition.topic}-${partition.partition} from ${partition.fetchOffset} (leader epoch ${partition.currentLeaderEpoch})`).join('; ')}`;
    }
    case 'FetchResponse':
      return `${error(message.error)}${message.partitions.map((partition) => `${partition.topic}-${partition.partition} ${partition.error === 'NONE' ? '' : `${partition.error} `}hw=${partition.highWatermark} ${fetchedBatches(partition.records)}`).join('; ')}`;
    case 'OffsetsForLeaderEpochRequest':
      return message.partitions.map((partition) => `${partition.topic}-${partition.partition} leader epoch ${partition.leaderEpoch}`).join('; ');
    case 'OffsetsForLeaderEpochResponse':
      return message.partitions.map((partition) => `${partition.topic}-${partition.partition} ${error(partition.error)}leader epoch ${partition.leaderEpoch} end offset ${partition.endOffset}`).join('; ');
    case 'ListOffsetsRequest':
      return message.partitions.map((partition) => `${partition.topic}-${partition.partition} timestamp ${partition.timestamp}`).join('; ');
    case 'ListOffsetsResponse':
      return message.partitions.map((partition) => `${partition.topic}-${partition.partition} ${error(partition.error)}offset ${partition.offset}`).join('; ');
    case 'InitProducerIdRequest':
      return '';
    case 'InitProducerIdResponse':
      return `${error(message.error)}producer id ${message.producerId} epoch ${message.producerEpoch}`;
    case 'FindCoordinatorRequest':
      return `group ${message.key}`;
    case 'FindCoordinatorResponse':
      return `${error(message.error)}coordinator ${message.nodeId}`;
    case 'JoinGroupRequest':
      return `group ${message.groupId} member ${message.memberId || '(new)'}`;
    case 'JoinGroupResponse':
      return `${error(message.error)}generation ${message.generationId} member ${message.memberId} leader ${message.leader}`;
    case 'SyncGroupRequest':
      return `group ${message.groupId} generation ${message.generationId} member ${message.memberId}`;
    case 'SyncGroupResponse':
      return error(message.error).trim();
    case 'HeartbeatRequest':
      return `group ${message.groupId} generation ${message.generationId} member ${message.memberId}`;
    case 'HeartbeatResponse':
      return error(message.error).trim();
    case 'LeaveGroupRequest':
      return `group ${message.groupId} ${message.members.length} members`;
    case 'LeaveGroupResponse':
      return error(message.error).trim();
    case 'OffsetCommitRequest':
      return `group ${message.groupId} generation ${message.generationIdOrMemberEpoch} ${message.topics.map((topic) => topic.partitions.map((partition) => `${topic.name}-${partition.partitionIndex}@${partition.committedOffset}`).join(',')).join(',')}`;
    case 'OffsetCommitResponse':
      return message.topics.map((topic) => topic.partitions.map((partition) => `${topic.name}-${partition.partitionIndex} ${partition.error}`).join(', ')).join('; ');
    case 'OffsetFetchRequest':
      return `group ${message.groupId}`;
    case 'OffsetFetchResponse':
      return `${error(message.error)}${message.topics.map((topic) => topic.partitions.map((partition) => `${topic.name}-${partition.partitionIndex}@${partition.committedOffset}`).join(',')).join(',')}`;
    case 'RaftEnvelope':
      return summarizeRaftMessage(message.message);
    default:
      return assertNever(message, 'Kafka message');
  }
}

/** `ERROR ` before the rest, or nothing when there is no error. */
function error(code: KafkaError): string {
  return code === 'NONE' ? '' : `${code} `;
}

function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** The records in a run of v2 record batches: the sum of their headers' record counts. */
function batchRecords(bytes: Uint8Array): number {
  let count = 0;
  for (const batch of walkBatches(bytes)) count += batch.records;
  return count;
}

/** `2 batches, offsets 118..121`, or `no records`. */
function fetchedBatches(batches: readonly Uint8Array[]): string {
  let first: number | undefined;
  let last: number | undefined;
  let count = 0;
  for (const bytes of batches) {
    for (const batch of walkBatches(bytes)) {
      first ??= batch.baseOffset;
      last = batch.lastOffset;
      count++;
    }
  }
  return count === 0 ? 'no records' : `${plural(count, 'batch', 'batches')}, offsets ${first ?? '?'}..${last ?? '?'}`;
}

/** The headers of the v2 batches in `bytes`, as far as they are whole (`record-batch.ts` lays them out). */
function* walkBatches(bytes: Uint8Array): Generator<{ baseOffset: number; lastOffset: number; records: number }> {
  const data = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let position = 0;
  while (position + 61 <= bytes.byteLength) {
    const baseOffset = Number(data.getBigInt64(position));
    const length = data.getInt32(position + 8);
    if (length < 49) return;
    yield { baseOffset, lastOffset: baseOffset + data.getInt32(position + 23), records: data.getInt32(position + 57) };
    position += 12 + length;
  }
}

/** One line per message of the controller quorum's Raft protocol. */
function summarizeRaftMessage(message: RaftMessage): string {
  switch (message.type) {
    case 'VoteRequest':
      return `${message.preVote ? 'PreVote' : 'Vote'} candidate ${message.candidateId} epoch ${message.candidateEpoch} last offset ${message.lastOffset} (epoch ${message.lastOffsetEpoch})`;
    case 'VoteResponse':
      return `${raftError(message.errorCode)}${message.voteGranted ? 'granted' : 'refused'} leader ${message.leaderId} epoch ${message.leaderEpoch}`;
    case 'BeginQuorumEpochRequest':
    case 'EndQuorumEpochRequest':
      return `${message.type.replace('Request', '')} leader ${message.leaderId} epoch ${message.leaderEpoch}`;
    case 'BeginQuorumEpochResponse':
    case 'EndQuorumEpochResponse':
      return `${raftError(message.errorCode)}${message.type.replace('Response', '')} answered`;
    case 'FetchRequest':
      return `Raft fetch replica ${message.replicaId} epoch ${message.currentLeaderEpoch} from ${message.fetchOffset} (last epoch ${message.lastFetchedEpoch})`;
    case 'FetchResponse':
      return `${raftError(message.errorCode)}Raft fetch leader ${message.leaderId} epoch ${message.leaderEpoch} high watermark ${message.highWatermark} ${message.records.length} batches${message.divergingEpoch === undefined ? '' : ` diverging at epoch ${message.divergingEpoch.epoch} end ${message.divergingEpoch.endOffset}`}`;
    case 'FetchSnapshotRequest':
      return `FetchSnapshot replica ${message.replicaId} epoch ${message.currentLeaderEpoch} snapshot ${message.snapshotId.endOffset}-${message.snapshotId.epoch} from byte ${message.position}`;
    case 'FetchSnapshotResponse':
      return `${raftError(message.errorCode)}FetchSnapshot leader ${message.leaderId} epoch ${message.leaderEpoch} bytes ${message.position}..${message.position + message.bytes.length} of ${message.size}`;
    case 'AddRaftVoterRequest':
    case 'RemoveRaftVoterRequest':
      return `${message.type.replace('Request', '')} ${message.voterId}@${message.voterDirectoryId}`;
    case 'AddRaftVoterResponse':
    case 'RemoveRaftVoterResponse':
      return `${raftError(message.errorCode)}${message.type.replace('Response', '')} answered`;
    default:
      return assertNever(message, 'Raft message');
  }
}

function raftError(code: string): string {
  return code === 'NONE' ? '' : `${code} `;
}
