// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/**
 * @title GovernorDualVotes
 * @notice Governor voting power from two checkpointed sources: the governance token and contribution receipts.
 * An account's weight is `tokenVotes + receiptVotes * receiptVoteWeight`, both read at the proposal snapshot;
 * quorum is {quorumPercent} of the combined supply at that block. Both sources count in block numbers.
 */
abstract contract GovernorDualVotes is Governor {
    /// @notice The governance token.
    IERC5805 public immutable token;
    /// @notice The receipts.
    IERC5805 public immutable receiptVotes;
    /// @notice Token-equivalent votes per receipt share.
    uint256 public immutable receiptVoteWeight;
    /// @notice Quorum as a percentage of the combined voting supply.
    uint256 public immutable quorumPercent;

    /// @notice The quorum percentage is above 100.
    error GovernorDualVotesInvalidQuorum(uint256 quorumPercent);

    /**
     * @param token_ the governance token
     * @param receiptVotes_ the receipts
     * @param receiptVoteWeight_ token-equivalent votes per receipt share
     * @param quorumPercent_ quorum in percent of the combined supply
     */
    constructor(IERC5805 token_, IERC5805 receiptVotes_, uint256 receiptVoteWeight_, uint256 quorumPercent_) {
        if (quorumPercent_ > 100) revert GovernorDualVotesInvalidQuorum(quorumPercent_);
        token = token_;
        receiptVotes = receiptVotes_;
        receiptVoteWeight = receiptVoteWeight_;
        quorumPercent = quorumPercent_;
    }

    /// @notice The governor counts in block numbers, like both vote sources.
    function clock() public view virtual override returns (uint48) {
        return Time.blockNumber();
    }

    /// @notice ERC-6372 clock description.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public view virtual override returns (string memory) {
        return "mode=blocknumber&from=default";
    }

    /// @notice Quorum at `timepoint`: {quorumPercent} of the combined token and weighted receipt supply.
    function quorum(uint256 timepoint) public view virtual override returns (uint256) {
        uint256 supply =
            token.getPastTotalSupply(timepoint) + receiptVotes.getPastTotalSupply(timepoint) * receiptVoteWeight;
        return (supply * quorumPercent) / 100;
    }

    /// @dev Token votes plus weighted receipt votes at `timepoint`.
    function _getVotes(address account, uint256 timepoint, bytes memory)
        internal
        view
        virtual
        override
        returns (uint256)
    {
        return token.getPastVotes(account, timepoint) + receiptVotes.getPastVotes(account, timepoint) * receiptVoteWeight;
    }
}
