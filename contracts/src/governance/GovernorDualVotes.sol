// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {Governor} from "@openzeppelin/contracts/governance/Governor.sol";
import {IERC5805} from "@openzeppelin/contracts/interfaces/IERC5805.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/**
 * @title GovernorDualVotes
 * @notice Governor voting power from two checkpointed sources, the governance token and contribution receipts,
 * calibrated so that all receipts together always carry the fixed fraction `r` = {receiptVoteBps} / 10,000 of the
 * voting power and the token supply the rest, however many receipt shares exist.
 *
 * At a timepoint `t`, with `T` the token's total supply and `S` all receipt voting units (shares) at `t`:
 *
 * - receipts together weigh `R = T * r / (1 - r)` (0 while no receipt exists), so `R / (T + R) = r`;
 * - an account's votes are `tokenVotes + floor(receiptUnits * R / S)`, i.e. its token votes plus its slice of `R`
 *   pro rata to its receipt shares;
 * - quorum is {quorumPercent} % of `T + R`.
 *
 * Issuing receipts therefore dilutes receipt holders among themselves but never token holders, and quorum stays
 * within reach: the constructor requires quorum ≤ min(r, 1 - r), so token holders alone and receipt holders alone
 * can each meet it. Both sources count in block numbers.
 *
 * @dev Example: a supply of 1,000,000 tokens and r = 30 % give receipts R ≈ 428,571 token-votes in all; a holder of
 * half of all receipt shares has ≈ 214,285 votes from them, whether 1 or 10 million shares exist.
 */
abstract contract GovernorDualVotes is Governor {
    /// @notice Basis points in 100 %.
    uint256 public constant BPS = 10_000;

    /// @notice The governance token.
    IERC5805 public immutable token;
    /// @notice The receipts.
    IERC5805 public immutable receiptVotes;
    /// @notice The fraction of all voting power carried by receipts together, in basis points (0 < r < 10,000).
    uint256 public immutable receiptVoteBps;
    /// @notice Quorum as a percentage of the combined voting supply (token supply plus receipts' weight).
    uint256 public immutable quorumPercent;

    /// @notice The quorum percentage is above 100.
    error GovernorDualVotesInvalidQuorum(uint256 quorumPercent);
    /// @notice The receipts' share of the vote must be above 0 and below 10,000 basis points.
    error GovernorDualVotesInvalidReceiptShare(uint256 receiptVoteBps);
    /// @notice Quorum must be reachable by token holders alone and by receipt holders alone:
    /// `quorumPercent * 100 <= min(receiptVoteBps, 10_000 - receiptVoteBps)`.
    error GovernorDualVotesUnreachableQuorum(uint256 quorumPercent, uint256 receiptVoteBps);

    /**
     * @param token_ the governance token
     * @param receiptVotes_ the receipts
     * @param receiptVoteBps_ the fraction of all voting power receipts carry together, in basis points
     * @param quorumPercent_ quorum in percent of the combined voting supply
     */
    constructor(IERC5805 token_, IERC5805 receiptVotes_, uint256 receiptVoteBps_, uint256 quorumPercent_) {
        if (quorumPercent_ > 100) revert GovernorDualVotesInvalidQuorum(quorumPercent_);
        if (receiptVoteBps_ == 0 || receiptVoteBps_ >= BPS) revert GovernorDualVotesInvalidReceiptShare(receiptVoteBps_);
        if (quorumPercent_ * 100 > Math.min(receiptVoteBps_, BPS - receiptVoteBps_)) {
            revert GovernorDualVotesUnreachableQuorum(quorumPercent_, receiptVoteBps_);
        }
        token = token_;
        receiptVotes = receiptVotes_;
        receiptVoteBps = receiptVoteBps_;
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

    /// @notice Quorum at `timepoint`: {quorumPercent} of {votingSupply}.
    function quorum(uint256 timepoint) public view virtual override returns (uint256) {
        return (votingSupply(timepoint) * quorumPercent) / 100;
    }

    /// @notice All voting power at `timepoint`: the token supply plus the receipts' weight `R` (see the contract notes).
    function votingSupply(uint256 timepoint) public view returns (uint256) {
        return token.getPastTotalSupply(timepoint) + totalReceiptWeight(timepoint);
    }

    /// @notice `R`: the votes all receipts carry together at `timepoint` (0 while no receipt exists).
    function totalReceiptWeight(uint256 timepoint) public view returns (uint256) {
        if (receiptVotes.getPastTotalSupply(timepoint) == 0) return 0;
        return Math.mulDiv(token.getPastTotalSupply(timepoint), receiptVoteBps, BPS - receiptVoteBps);
    }

    /// @notice The votes `account` has from its receipts at `timepoint`: its slice of {totalReceiptWeight}.
    function getReceiptVotes(address account, uint256 timepoint) public view returns (uint256) {
        uint256 units = receiptVotes.getPastVotes(account, timepoint);
        if (units == 0) return 0;
        // units <= total units, so the result is at most R; both products fit (supplies are below 2**208).
        return Math.mulDiv(
            units,
            token.getPastTotalSupply(timepoint) * receiptVoteBps,
            receiptVotes.getPastTotalSupply(timepoint) * (BPS - receiptVoteBps)
        );
    }

    /// @dev Token votes plus the account's receipt votes at `timepoint`.
    function _getVotes(address account, uint256 timepoint, bytes memory)
        internal
        view
        virtual
        override
        returns (uint256)
    {
        return token.getPastVotes(account, timepoint) + getReceiptVotes(account, timepoint);
    }
}
